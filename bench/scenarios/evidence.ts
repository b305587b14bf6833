import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { openDataSource, SqlDatabase, SqlEventStore } from '@app/event-store';
import { LedgerService, writeBundle } from '@app/evidence';
import { loadKeyMaterial } from '@app/identity';
import { newTestStorage } from '../../test/support/test-storage';
import { now, peakRssMb } from '../lib/common';
import { profileIf } from '../lib/profile';
import { seedDomainEvents } from '../lib/seed-bulk';
import { seededSystemData } from '../../test/support/seed';
import { openOurs, type AppendTarget, type OurStore } from '../lib/stores';
import { runAppendRun, type AppendRun } from './append';

const ROOT = join(__dirname, '..', '..');

function newLedger(o: OurStore): LedgerService {
  return new LedgerService(o.db, o.store, loadKeyMaterial({ dataDir: o.storage.config.dataDir }));
}

export interface BundleExportOut {
  events: number;
  seedSeconds: number;
  sealSeconds: number;
  leavesPerSec: number;
  exportSeconds: number;
  /** CPU time of the export (all threads: zlib runs off the main one), steadier than wall time on a shared machine. */
  exportCpuSeconds: number;
  /** Longest time the event loop was blocked during the export (monitorEventLoopDelay max). */
  longestStallMs: number;
  eventCount: number;
  streamCount: number;
  bundleBytes: number;
  /** Peak RSS of the export's own process (seeding and sealing ran in another). */
  peakRssMb: number;
  /** V8 heap cap of the export's process. */
  exportHeapMb: number;
  seedPeakRssMb: number;
  file: string;
}

/** V8 heap cap of the export's process; V8 otherwise lets garbage pile up to far more before collecting. */
const EXPORT_HEAP_MB = 128;

/**
 * Seeds `events` review events on embedded SQLite (bulk seeder), seals them (timed: leaves/s),
 * then exports a bundle scoped to every seeded AI system in a process of its own (`bundleWrite`:
 * timed, and its peak RSS is the export's alone) to `file`, which is left for the `bundleVerify`
 * job (again a process of its own).
 */
export async function bundleExportJob(p: { events: number; file: string }): Promise<BundleExportOut> {
  const o = await openOurs('sqlite');
  try {
    const seed = await seedDomainEvents(o.db, p.events);
    const ledger = newLedger(o);
    await ledger.activateKey();
    const t = now();
    const head = await ledger.checkpoint();
    const sealSeconds = (now() - t) / 1000;
    // The heap cap shows the export streams: a writer that held the bundle (or a growing part of
    // it) in memory would run out of heap at 100k events instead of merely growing its RSS.
    // Without source maps, as production runs dist/ (bench/register.js): their cache is not the export's.
    const child = await runMeasured(
      process.execPath,
      [
        `--max-old-space-size=${EXPORT_HEAP_MB}`,
        '-r',
        './bench/register.js',
        'bench/worker.ts',
        'bundleWrite',
        JSON.stringify({ dataDir: o.storage.config.dataDir, file: p.file }),
      ],
      { ...process.env, BENCH_SOURCE_MAPS: 'off' },
    );
    const line = child.stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
    if (child.code !== 0 || !line) throw new Error(`bundleWrite failed (exit ${child.code}): ${child.stderr.slice(-1500)}`);
    const written = JSON.parse(line.slice('@@RESULT '.length)) as Omit<
      BundleExportOut,
      'events' | 'seedSeconds' | 'sealSeconds' | 'leavesPerSec' | 'exportHeapMb' | 'seedPeakRssMb' | 'file'
    >;
    return {
      events: seed.events,
      seedSeconds: seed.seconds,
      sealSeconds,
      leavesPerSec: head.treeSize / sealSeconds,
      ...written,
      peakRssMb: child.peakRssMb,
      exportHeapMb: EXPORT_HEAP_MB,
      seedPeakRssMb: peakRssMb(),
      file: p.file,
    };
  } finally {
    await o.close();
  }
}

/** The export alone, on the store `bundleExportJob` seeded and sealed (run as a child of it). */
export async function bundleWriteJob(p: { dataDir: string; file: string }) {
  const config = { kind: 'sqlite' as const, dataDir: p.dataDir, sqliteFile: join(p.dataDir, 'registry.sqlite'), migrationsRun: true };
  const ds = await openDataSource(config, []);
  try {
    const db = new SqlDatabase(ds);
    const store = new SqlEventStore(db);
    const ledger = new LedgerService(db, store, loadKeyMaterial({ dataDir: p.dataDir }));
    const systems = (await db.query<{ data: string }>("SELECT data FROM events WHERE type = 'ai-systems.AiSystemRegistered'")).map(
      (r) => (JSON.parse(r.data) as { aiSystemId: string }).aiSystemId,
    );
    const t = now();
    // Where the time goes, per phase of the writer (ms): the first place to look when a goal slips.
    const phases: Record<string, number> = {};
    let phase = 'start';
    let phaseStart = t;
    const cpu = process.cpuUsage();
    const profile = await profileIf(process.env.BENCH_PROFILE);
    // The longest the export kept the event loop from timers and requests (an API process serves on).
    let longestStallMs = 0;
    let tick = now();
    const probe = setInterval(() => {
      longestStallMs = Math.max(longestStallMs, now() - tick);
      tick = now();
    }, 5);
    const result = await writeBundle(
      { store, ledger, reveal: () => Promise.resolve(null) },
      {
        requestId: uuidv7(),
        reference: 'BENCH-1',
        requester: 'bench',
        scope: { patientPseudonyms: [], aiSystemIds: systems, incidentIds: [], from: null, to: null },
        redactions: [],
        producedBy: 'bench',
      },
      createWriteStream(p.file),
      (pr) => {
        if (pr.phase !== phase) {
          const at = now();
          phases[phase] = Math.round(at - phaseStart);
          phase = pr.phase;
          phaseStart = at;
        }
      },
    );
    phases[phase] = Math.round(now() - phaseStart);
    const exportSeconds = (now() - t) / 1000;
    const used = process.cpuUsage(cpu);
    clearInterval(probe);
    await profile();
    return {
      exportSeconds,
      exportCpuSeconds: (used.user + used.system) / 1e6,
      longestStallMs: Math.round(longestStallMs),
      eventCount: result.eventCount,
      streamCount: result.streamCount,
      bundleBytes: result.byteSize,
      phasesMs: phases,
    };
  } finally {
    await ds.destroy();
  }
}

/**
 * Verifies the bundle `bundleExportJob` left, in a process of its own that loads only the
 * verifier (bench/bundle-verify.ts, without the swc hook's source maps, as production runs dist/):
 * its peak RSS is the verifier's, not this worker's TypeScript loader and the libs it loaded (ADR 0049).
 * Then, when the CLI is built (`npx nest build`), the same bundle through what a user runs,
 * `registry verify-bundle` from dist/: its wall time with start-up, and its peak RSS without the
 * TypeScript hook the first process still loads.
 */
export async function bundleVerifyJob(p: { file: string }) {
  try {
    const child = await runMeasured(process.execPath, ['-r', './bench/register.js', 'bench/bundle-verify.ts', p.file], {
      ...process.env,
      BENCH_SOURCE_MAPS: 'off',
    });
    const line = child.stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
    if (child.code !== 0 || !line) throw new Error(`bundle-verify failed (exit ${child.code}): ${child.stderr.slice(-1500)}`);
    const v = JSON.parse(line.slice('@@RESULT '.length)) as {
      verifySeconds: number;
      verifyCpuSeconds: number;
      ok: boolean;
      events: number;
      problems: unknown[];
    };
    const cli = join(ROOT, 'dist/apps/cli/src/main.js');
    if (!existsSync(cli)) return { ...v, peakRssMb: child.peakRssMb };
    const t0 = now();
    const built = await runMeasured(process.execPath, [cli, 'verify-bundle', '--json', p.file], process.env);
    const cliSeconds = (now() - t0) / 1000;
    if (built.code !== 0) throw new Error(`registry verify-bundle (dist) failed (exit ${built.code}): ${built.stderr.slice(-1500)}`);
    return { ...v, peakRssMb: child.peakRssMb, cliSeconds, cliPeakRssMb: built.peakRssMb };
  } finally {
    rmSync(p.file, { force: true });
  }
}

/** One append run, with the CPU time of the process (all threads) and of its main thread. */
export interface LedgerOverheadRun extends AppendRun {
  cpuSeconds: number;
  /** The main thread's share, which the leaf worker (ADR 0026) relieves; NaN where /proc is missing. */
  mainThreadCpuSeconds: number;
}

/** CPU time of the main thread (Linux: its /proc task entry, in clock ticks of 1/100 s). */
function mainThreadCpuSeconds(): number {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * Append throughput (100 events/commit, 1 writer, SQLite) with and without a LedgerService
 * following the log in the same process (its production loop: seal after commit, checkpoint
 * every LEDGER_CHECKPOINT_EVERY leaves). Interleaved run by run, fresh store each time.
 */
export async function ledgerOverheadJob(p: { perCommit: number; commitsPerWriter: number; runs: number }) {
  const out: Record<'without' | 'with', LedgerOverheadRun[]> = { without: [], with: [] };
  const sealed: number[] = [];
  const lagAtEnd: number[] = [];
  for (let r = 0; r < p.runs; r++) {
    for (const variant of ['without', 'with'] as const) {
      const o = await openOurs('sqlite');
      const ledger = newLedger(o);
      try {
        // Both variants record the signing key first; 'with' then starts the production follower.
        if (variant === 'with') await ledger.onApplicationBootstrap();
        else await ledger.activateKey();
        const target: AppendTarget = {
          label: `ours/sqlite ${variant}`,
          append: async (stream, events, expected) =>
            (await o.store.append(stream, events, { expectedRevision: expected === null ? 'no_stream' : expected })).nextExpectedRevision,
          close: () => Promise.resolve(),
        };
        const cpu = process.cpuUsage();
        const mainCpu = mainThreadCpuSeconds();
        const run = await runAppendRun(target, {
          impl: 'ours',
          kind: 'sqlite',
          writers: 1,
          perCommit: p.perCommit,
          commitsPerWriter: p.commitsPerWriter,
          runs: 1,
        });
        const used = process.cpuUsage(cpu);
        out[variant].push({ ...run, cpuSeconds: (used.user + used.system) / 1e6, mainThreadCpuSeconds: mainThreadCpuSeconds() - mainCpu });
        if (variant === 'with') {
          const [head] = await o.db.query<{ position: number | string }>('SELECT position FROM event_log_head WHERE id = 1');
          const [leaves] = await o.db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM ledger_leaves');
          sealed.push(Number(leaves.n));
          lagAtEnd.push(Number(head.position) - Number(leaves.n));
          await ledger.beforeApplicationShutdown();
        }
      } finally {
        await o.close();
      }
    }
  }
  return { variants: out, sealedDuringRun: sealed, lagAtEnd, peakRssMb: peakRssMb() };
}

/** Streams `mb` MB of NDJSON log lines to `file` (never held in memory). */
async function writeLogFile(file: string, mb: number): Promise<number> {
  const out = createWriteStream(file);
  const target = mb * 1024 * 1024;
  let bytes = 0;
  let i = 0;
  const pad = 'x'.repeat(120);
  while (bytes < target) {
    let chunk = '';
    for (let k = 0; k < 1000; k++, i++) {
      chunk += `{"ts":"2026-11-20T09:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z","seq":${i},"level":"info","model":"2.3.1","input":"ref-${i}","score":${(i % 1000) / 1000},"msg":"inference ${pad}"}\n`;
    }
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

/** Peak RSS of a child from /usr/bin/time -v, or by polling /proc/<pid>/status VmHWM. */
function runMeasured(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string; peakRssMb: number }> {
  const useTime = existsSync('/usr/bin/time');
  const child = useTime ? spawn('/usr/bin/time', ['-v', cmd, ...args], { cwd: ROOT, env }) : spawn(cmd, args, { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  let hwmKb = 0;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const poll = useTime
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
        } catch {
          /* exited */
        }
      }, 50);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      if (poll) clearInterval(poll);
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      if (m) hwmKb = Number(m[1]);
      resolve({ code, stdout, stderr, peakRssMb: Math.round(hwmKb / 1024) });
    });
  });
}

/**
 * Generates an `mb` MB NDJSON file, then runs the real CLI (`node dist/apps/cli/src/main.js logs
 * ingest`) on it `runs` times, each against a fresh DATA_DIR with the AI system registered.
 */
export async function logIngestJob(p: { mb: number; runs: number }) {
  const cli = join(ROOT, 'dist/apps/cli/src/main.js');
  if (!existsSync(cli)) throw new Error('dist/apps/cli/src/main.js missing: run `npx nest build` first');
  const file = join(tmpdir(), `bench-log-${process.pid}.ndjson`);
  const runs: Array<{ seconds: number; mbPerSec: number; peakRssMb: number }> = [];
  try {
    const t0 = now();
    const bytes = await writeLogFile(file, p.mb);
    const generateSeconds = (now() - t0) / 1000;
    for (let r = 0; r < p.runs; r++) {
      const storage = newTestStorage('sqlite');
      try {
        const ds = await openDataSource(storage.config, []);
        const system = uuidv7();
        await new SqlEventStore(new SqlDatabase(ds)).append(
          `ai-system-${system}`,
          [
            {
              type: 'ai-systems.AiSystemRegistered',
              data: seededSystemData(system, 'Bench system'),
            },
          ],
          { expectedRevision: 'no_stream', metadata: { actor: { subject: 'bench-admin', role: 'admin' } } },
        );
        await ds.destroy();
        const t = now();
        const res = await runMeasured(
          process.execPath,
          [cli, 'logs', 'ingest', file, '--system', system, '--from', '2026-11-20T00:00:00Z', '--to', '2026-11-20T23:59:59Z'],
          { ...process.env, ...storage.env, NODE_ENV: 'production', LOG_LEVEL: 'warn' },
        );
        const seconds = (now() - t) / 1000;
        if (res.code !== 0 || !/Recorded/.test(res.stdout))
          throw new Error(`logs ingest failed (exit ${res.code}): ${res.stdout.slice(-500)} ${res.stderr.slice(-1500)}`);
        runs.push({ seconds, mbPerSec: bytes / 2 ** 20 / seconds, peakRssMb: res.peakRssMb });
      } finally {
        await storage.cleanup();
      }
    }
    return { bytes, generateSeconds, runs, peakRssMb: peakRssMb() };
  } finally {
    rmSync(file, { force: true });
  }
}
