/**
 * One benchmark job in a process of its own (so peak RSS and GC state belong to that job):
 * `node -r ./bench/register.js bench/worker.ts <job> '<json params>'`; prints one
 * `@@RESULT <json>` line.
 */
// Loaded lazily: a job pays only for the modules it uses.
/* eslint-disable @typescript-eslint/no-require-imports */
const JOBS: Record<string, () => (params: never) => Promise<unknown>> = {
  append: () => require('./scenarios/append').appendJob,
  replay: () => require('./scenarios/replay').replayJob,
  growth: () => require('./scenarios/replay').growthJob,
  http: () => require('./scenarios/http').httpJob,
  feed: () => require('./scenarios/feed').feedJob,
  worklist: () => require('./scenarios/worklist').worklistJob,
  bundleExport: () => require('./scenarios/evidence').bundleExportJob,
  bundleWrite: () => require('./scenarios/evidence').bundleWriteJob,
  bundleVerify: () => require('./scenarios/evidence').bundleVerifyJob,
  ledgerOverhead: () => require('./scenarios/evidence').ledgerOverheadJob,
  logIngest: () => require('./scenarios/evidence').logIngestJob,
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
