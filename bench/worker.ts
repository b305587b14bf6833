/**
 * One benchmark job in a process of its own (so peak RSS and GC state belong to that job):
 * `node -r ./bench/register.js bench/worker.ts <job> '<json params>'`; prints one
 * `@@RESULT <json>` line.
 */
// Loaded lazily: a job pays only for the modules it uses.
/* eslint-disable @typescript-eslint/no-require-imports */
const JOBS: Record<string, () => (params: never) => Promise<unknown>> = {
  append: () => (require('./scenarios/append') as typeof import('./scenarios/append')).appendJob,
  replay: () => (require('./scenarios/replay') as typeof import('./scenarios/replay')).replayJob,
  growth: () => (require('./scenarios/replay') as typeof import('./scenarios/replay')).growthJob,
  http: () => (require('./scenarios/http') as typeof import('./scenarios/http')).httpJob,
  feed: () => (require('./scenarios/feed') as typeof import('./scenarios/feed')).feedJob,
  worklist: () => (require('./scenarios/worklist') as typeof import('./scenarios/worklist')).worklistJob,
  bundleExport: () => (require('./scenarios/evidence') as typeof import('./scenarios/evidence')).bundleExportJob,
  bundleWrite: () => (require('./scenarios/evidence') as typeof import('./scenarios/evidence')).bundleWriteJob,
  bundleVerify: () => (require('./scenarios/evidence') as typeof import('./scenarios/evidence')).bundleVerifyJob,
  ledgerOverhead: () => (require('./scenarios/evidence') as typeof import('./scenarios/evidence')).ledgerOverheadJob,
  logIngest: () => (require('./scenarios/evidence') as typeof import('./scenarios/evidence')).logIngestJob,
};

async function main() {
  const [name, json] = process.argv.slice(2);
  const job = JOBS[name];
  if (!job) throw new Error(`Unknown job ${name} (known: ${Object.keys(JOBS).join(', ')})`);
  const result = await job()(JSON.parse(json ?? '{}') as never);
  process.stdout.write(`@@RESULT ${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
