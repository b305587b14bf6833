/**
 * `npm run bench` (full) or `npm run bench -- --quick` (smoke, about a minute): runs every
 * benchmark job in a child process of its own, prints the table and rewrites BENCHMARKS.md.
 * `--only=append1,append100,replay,http,feed,worklist,bundle,ledger,ingest,growth` runs a subset: its figures
 * replace the same figures in the saved results file (the others are kept, each with the command
 * that produced it); BENCHMARKS.md is then rewritten from the merged file only with `--write`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { PG_URL, stats, type Stats } from './lib/common';
import { FIGURES, renderMarkdown, type FigureResult, type JobSpec } from './report';

const ROOT = join(__dirname, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const write = !only || args.includes('--write');

function runJob(job: JobSpec): Promise<{ result: unknown; seconds: number; load: [number, number] }> {
  const t0 = Date.now();
  const load0 = loadavg()[0];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', join(__dirname, 'register.js'), join(__dirname, 'worker.ts'), job.job, JSON.stringify(job.params)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
      if (code === 0 && line) {
        resolve({ result: JSON.parse(line.slice(9)), seconds: (Date.now() - t0) / 1000, load: [load0, loadavg()[0]] });
      } else reject(new Error(`${job.job} ${JSON.stringify(job.params)} failed (exit ${code}):\n${err.slice(-3000)}`));
    });
  });
}

async function postgresVersion(): Promise<string> {
  const c = new Client({ connectionString: PG_URL });
  try {
    await c.connect();
    const r = await c.query<{ v: string; s: string; f: string }>(
      "SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS s, current_setting('fsync') AS f",
    );
    return `PostgreSQL ${r.rows[0].v} (synchronous_commit=${r.rows[0].s}, fsync=${r.rows[0].f})`;
  } catch (e) {
    return `PostgreSQL unreachable at ${PG_URL}: ${(e as Error).message}`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** The code measured: commit and whether the tree had uncommitted changes outside bench/. */
function codeVersion(): string {
  if (process.env.BENCH_CODE_VERSION) return process.env.BENCH_CODE_VERSION;
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'libs', 'apps', 'migrations'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean).length;
    return dirty ? `${head} + ${dirty} uncommitted file(s) in libs/apps/migrations` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** `--render[=file]`: rewrite BENCHMARKS.md from saved results (after editing the analysis text). */
function render(file: string) {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Omit<Parameters<typeof renderMarkdown>[0], 'results' | 'started'> & {
    started: string;
    results: Array<{ id: string } & Omit<FigureResult, 'figure'>>;
  };
  // Figures no longer defined (e.g. an old placeholder) are left out.
  const results = saved.results.flatMap((r) => {
    const figure = FIGURES.find((f) => f.id === r.id);
    return figure ? [{ ...r, figure }] : [];
  });
  const md = renderMarkdown({ ...saved, started: new Date(saved.started), results });
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), md.document);
  console.log(md.table);
}

async function main() {
  const renderArg = args.find((a) => a.startsWith('--render'));
  if (renderArg) return render(renderArg.split('=')[1] ?? join(ROOT, 'bench', `results${quick ? '-quick' : ''}.json`));
  const started = new Date();
  const t0 = Date.now();
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: await postgresVersion(),
    emmett: `@event-driven-io/emmett-postgresql ${pkg.devDependencies['@event-driven-io/emmett-postgresql']}, @event-driven-io/emmett-sqlite ${pkg.devDependencies['@event-driven-io/emmett-sqlite']} (with @event-driven-io/emmett 0.42.0)`,
    loadAtStart: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    code: codeVersion(),
  };
  const command = `npm run bench${quick ? ' -- --quick' : ''}`;
  const commandLine = `npm run bench -- ${args.join(' ')}`;
  console.log(`${command}: ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}, ${machine.postgres}`);

  const results: FigureResult[] = [];
  for (const figure of FIGURES) {
    if (only && !only.includes(figure.id)) continue;
    const jobs = figure.jobs(quick);
    const outputs: unknown[] = [];
    const loads: number[] = [];
    let seconds = 0;
    for (const job of jobs) {
      process.stdout.write(`  ${figure.id}: ${job.job} ${JSON.stringify(job.params)} … `);
      try {
        const r = await runJob(job);
        outputs.push(r.result);
        loads.push(...r.load);
        seconds += r.seconds;
        console.log(`${r.seconds.toFixed(1)} s`);
      } catch (err) {
        console.log('FAILED');
        console.error((err as Error).message);
        outputs.push({ failed: (err as Error).message.split('\n').slice(0, 8).join('\n') });
      }
    }
    results.push({ figure, jobs, outputs, seconds, load: loads });
  }

  // The raw results, so the document can be re-rendered without re-running (`--render`).
  const file = join(ROOT, 'bench', `results${quick ? '-quick' : ''}.json`);
  const fresh = results.map((r) => ({
    id: r.figure.id,
    jobs: r.jobs,
    outputs: r.outputs,
    seconds: r.seconds,
    load: r.load,
    ...(only ? { command: commandLine, started: started.toISOString(), code: machine.code } : {}),
  }));
  let saved = { machine, command, quick, started: started.toISOString(), totalSeconds: (Date.now() - t0) / 1000, results: fresh };
  if (only && existsSync(file)) {
    // Merge: this run's figures replace the same ids; the rest of the saved run is kept as it was.
    const prev = JSON.parse(readFileSync(file, 'utf8')) as typeof saved;
    const byId = new Map(prev.results.map((r) => [r.id, r]));
    for (const r of fresh) byId.set(r.id, r);
    const merged = FIGURES.flatMap((f) => (byId.has(f.id) ? [byId.get(f.id)!] : []));
    saved = { ...prev, results: merged };
  }
  writeFileSync(file, JSON.stringify(saved, null, 1));
  const md = renderMarkdown({
    ...saved,
    started: new Date(saved.started),
    results: saved.results.map((r) => ({ ...r, figure: FIGURES.find((f) => f.id === r.id)! })),
  });
  console.log('\n' + md.table);
  if (write) {
    writeFileSync(join(ROOT, 'BENCHMARKS.md'), md.document);
    console.log(`BENCHMARKS.md rewritten (${((Date.now() - t0) / 1000).toFixed(0)} s in all)`);
  }
}

export type { Stats };
export { stats };

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
