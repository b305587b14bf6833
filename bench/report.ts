import { stats, type Stats } from './lib/common';
import type { AppendRun } from './scenarios/append';
import type { BundleExportOut } from './scenarios/evidence';
import type { HttpRun } from './scenarios/http';
import type { FeedRun } from './scenarios/feed';
import type { WorklistRun } from './scenarios/worklist';
import type { OpenLoopRun } from './lib/open-loop';

export interface JobSpec {
  job: string;
  params: Record<string, unknown>;
}

export interface Row {
  what: string;
  store: string;
  impl: string;
  value?: Stats;
  unit: string;
  detail: string;
  goal: string;
  met: boolean | null;
  note?: string;
}

export interface Figure {
  id: string;
  no: string;
  title: string;
  jobs(quick: boolean): JobSpec[];
  rows(outputs: unknown[], quick: boolean): Row[];
}

export interface FigureResult {
  figure: Figure;
  jobs: JobSpec[];
  outputs: unknown[];
  seconds: number;
  load: number[];
  /** Set when the figure came from a later `--only` run merged into the saved results. */
  command?: string;
  started?: string;
  code?: string;
}

type AppendOut = { variants: Record<string, AppendRun[]>; peakRssMb: number; eventDataBytes: number; eventMetadataBytes: number };
type Failed = { failed: string };
const isFailed = (o: unknown): o is Failed => !!o && typeof o === 'object' && 'failed' in o;

const PG = { impl: 'ours', kind: 'postgres' };
const SQ = { impl: 'ours', kind: 'sqlite' };
const EPG = { impl: 'emmett', kind: 'postgres' };
const ESQ = { impl: 'emmett', kind: 'sqlite' };
const ESQS = { impl: 'emmett', kind: 'sqlite', serialised: true };
const RPG = { impl: 'raw', kind: 'postgres' };
const RSQ = { impl: 'raw', kind: 'sqlite' };

const med = (xs: number[]) => stats(xs).median;
const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';
export const fmtStats = (s: Stats | undefined, digits = 0) => (s ? `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})` : 'n/a');

function appendRows(
  out: AppendOut | Failed,
  what: string,
  goals: (label: string, s: Stats, all: Record<string, Stats>) => { goal: string; met: boolean | null; note?: string },
): Row[] {
  if (isFailed(out)) return [{ what, store: '', impl: '', unit: '', detail: `FAILED: ${out.failed.split('\n')[0]}`, goal: '', met: false }];
  const all: Record<string, Stats> = {};
  for (const [label, runs] of Object.entries(out.variants)) all[label] = stats(runs.map((r) => r.eventsPerSec));
  return Object.entries(out.variants).map(([label, runs]) => {
    const [impl, ...rest] = label.split('/');
    const errors = runs.reduce((a, r) => a + r.errors, 0);
    const g = goals(label, all[label], all);
    return {
      what,
      store: rest.join('/'),
      impl,
      value: all[label],
      unit: 'events/s',
      detail:
        `commit p50 ${fmt(med(runs.map((r) => r.commitP50Ms)), 1)} ms, p99 ${fmt(med(runs.map((r) => r.commitP99Ms)), 1)} ms` +
        (errors ? `; **${errors} failed appends** (${runs.find((r) => r.firstError)?.firstError})` : '; 0 errors') +
        `; peak RSS ${out.peakRssMb} MB (job)`,
      ...g,
    };
  });
}

/** ours vs the best working Emmett variant on the same database. */
function vsEmmett(label: string, all: Record<string, Stats>): { ratio: number; against: string } | undefined {
  const kind = label.split('/')[1].split(' ')[0];
  const candidates = Object.entries(all).filter(([l]) => l.startsWith(`emmett/${kind}`) && all[l].median > 0);
  if (!candidates.length) return undefined;
  const [against, best] = candidates.sort((a, b) => b[1].median - a[1].median)[0];
  return { ratio: all[label].median / best.median, against };
}

function goalCheck(label: string, s: Stats, all: Record<string, Stats>, floor?: number) {
  if (!label.startsWith('ours/')) return { goal: '', met: null };
  const parts: string[] = [];
  let met = true;
  if (floor !== undefined) {
    parts.push(`≥ ${fmt(floor)}`);
    met &&= s.median >= floor;
  }
  const raw = all[`raw/${label.split('/')[1].split(' ')[0]}`];
  if (raw) parts.push(`(${Math.round((100 * s.median) / raw.median)} % of the raw driver in this run)`);
  const vs = vsEmmett(label, all);
  if (vs) {
    parts.push(`≥ 1.0× Emmett (${vs.ratio.toFixed(2)}× ${vs.against})`);
    met &&= vs.ratio >= 1;
  }
  return { goal: parts.join(', '), met };
}

export const FIGURES: Figure[] = [
  {
    id: 'append1',
    no: '1',
    title: 'Append, 1 event per commit, 16 concurrent streams',
    jobs: (quick) => [
      {
        job: 'append',
        params: {
          writers: 16,
          perCommit: 1,
          commitsPerWriter: quick ? 15 : 100,
          runs: 3,
          variants: quick ? [PG, EPG, RPG, SQ, ESQS, RSQ] : [PG, EPG, RPG, SQ, { ...ESQ, commitsPerWriter: 2 }, ESQS, RSQ],
        },
      },
    ],
    rows: ([out]) =>
      appendRows(out as AppendOut, '1 event/commit, 16 writers', (label, s, all) => goalCheck(label, s, all, label.includes('postgres') ? 2000 : undefined)),
  },
  {
    id: 'append100',
    no: '2',
    title: 'Append, 100 events per commit',
    jobs: (quick) => [
      { job: 'append', params: { writers: 1, perCommit: 100, commitsPerWriter: quick ? 15 : 100, runs: 3, variants: [PG, EPG, RPG] } },
      { job: 'append', params: { writers: 8, perCommit: 100, commitsPerWriter: quick ? 4 : 25, runs: 3, variants: [PG, EPG, RPG] } },
      { job: 'append', params: { writers: 1, perCommit: 100, commitsPerWriter: quick ? 15 : 100, runs: 3, variants: [SQ, ESQ, ESQS, RSQ] } },
      // As on PostgreSQL: concurrent writers are where group commit shares a commit and its flush.
      {
        job: 'append',
        params: {
          writers: 8,
          perCommit: 100,
          commitsPerWriter: quick ? 4 : 25,
          runs: 3,
          variants: quick ? [SQ, ESQS, RSQ] : [SQ, { ...ESQ, commitsPerWriter: 2 }, ESQS, RSQ],
        },
      },
    ],
    rows: ([one, eight, sqlite, sqliteEight]) => [
      ...appendRows(one as AppendOut, '100 events/commit, 1 writer', (l, s, all) => goalCheck(l, s, all, 50_000)),
      ...appendRows(eight as AppendOut, '100 events/commit, 8 writers', (l, s, all) => goalCheck(l, s, all, 50_000)),
      ...appendRows(sqlite as AppendOut, '100 events/commit, 1 writer', (l, s, all) => goalCheck(l, s, all, 100_000)),
      ...(sqliteEight ? appendRows(sqliteEight as AppendOut, '100 events/commit, 8 writers', (l, s, all) => goalCheck(l, s, all, 100_000)) : []),
    ],
  },
  {
    id: 'replay',
    no: '3',
    title: 'Read all + full projection replay (review read models)',
    jobs: (quick) =>
      (['postgres', 'sqlite'] as const).map((kind) => ({
        job: 'replay',
        params: { kind, events: quick ? 3_000 : kind === 'postgres' ? 30_000 : 50_000, runs: 3 },
      })),
    rows: (outs) =>
      outs.flatMap((o, i): Row[] => {
        const kind = i === 0 ? 'postgres' : 'sqlite';
        if (isFailed(o)) return [{ what: 'replay', store: kind, impl: 'ours', unit: '', detail: `FAILED: ${o.failed.split('\n')[0]}`, goal: '', met: false }];
        const r = o as { seed: { events: number; avgDataBytes: number }; readAll: number[]; rebuild: number[]; reviews: number; peakRssMb: number };
        const rb = stats(r.rebuild);
        return [
          {
            what: `readAll, pages of 1,000 (${fmt(r.seed.events)} events)`,
            store: kind,
            impl: 'ours',
            value: stats(r.readAll),
            unit: 'events/s',
            detail: `avg data ${r.seed.avgDataBytes} B`,
            goal: '≥ 50,000',
            met: stats(r.readAll).median >= 50_000,
          },
          {
            what: `rebuild oversight-reviews (${fmt(r.seed.events)} events → ${fmt(r.reviews)} reviews)`,
            store: kind,
            impl: 'ours',
            value: rb,
            unit: 'events/s',
            detail: `${fmt(1e6 / rb.median, 1)} µs/event; peak RSS ${r.peakRssMb} MB`,
            goal: '≥ 50,000',
            met: rb.median >= 50_000,
          },
        ];
      }),
  },
  {
    id: 'http',
    no: '4',
    title: 'HTTP POST /api/v1/reviews, embedded SQLite (constant-rate open loop and autocannon, 127.0.0.1)',
    jobs: (quick) => [
      {
        job: 'http',
        params: {
          rate: 200,
          seconds: quick ? 3 : 30,
          burstSeconds: quick ? 2 : 10,
          maxSeconds: quick ? 2 : 10,
          warmupSeconds: quick ? 1 : 2,
          maxConnections: 16,
          runs: 3,
        },
      },
    ],
    rows: ([o], quick) => {
      if (isFailed(o))
        return [{ what: 'POST /reviews', store: 'sqlite', impl: 'ours', unit: '', detail: `FAILED: ${o.failed.split('\n')[0]}`, goal: '', met: false }];
      const r = o as { fixed: OpenLoopRun[]; bursts?: HttpRun[]; max: HttpRun[]; serverPeakRssMb: number };
      const errs = (runs: Array<HttpRun | OpenLoopRun>) => runs.reduce((a, x) => a + x.errors + x.non2xx + x.timeouts, 0);
      const p99 = stats(r.fixed.map((x) => x.p99Ms));
      const bursts = r.bursts ?? [];
      return [
        {
          what: `200 req/s for ${quick ? 3 : 30} s, evenly spaced (open loop, up to 10 connections): p99`,
          store: 'sqlite',
          impl: 'ours',
          value: p99,
          unit: 'ms',
          detail: `p50 ${fmt(med(r.fixed.map((x) => x.p50Ms)), 1)} ms, max ${fmt(med(r.fixed.map((x) => x.maxMs)), 1)} ms, latency from each request's due time; ${fmt(med(r.fixed.map((x) => x.rps)))} req/s achieved, ${errs(r.fixed)} errors/non-2xx; generator's worst send lag ${fmt(Math.max(...r.fixed.map((x) => x.maxSendLagMs ?? 0)), 1)} ms; server peak RSS ${r.serverPeakRssMb} MB`,
          goal: 'p99 < 20 ms, 0 errors',
          met: p99.median < 20 && errs(r.fixed) === 0,
        },
        ...(bursts.length
          ? [
              {
                what: `200 req/s as autocannon paces it (10 connections, each sends its 20 of a second back to back, then waits), ${quick ? 2 : 10} s: p99`,
                store: 'sqlite',
                impl: 'ours',
                value: stats(bursts.map((x) => x.p99Ms)),
                unit: 'ms',
                detail: `p50 ${fmt(med(bursts.map((x) => x.p50Ms)), 1)} ms, max ${fmt(med(bursts.map((x) => x.maxMs)), 1)} ms, ${errs(bursts)} errors/non-2xx (bursts of 10 concurrent requests: a saturation test for the first part of each second)`,
                goal: '(report)',
                met: null,
              },
            ]
          : []),
        {
          what: `max sustained rate (16 connections, no rate limit, ${quick ? 2 : 10} s)`,
          store: 'sqlite',
          impl: 'ours',
          value: stats(r.max.map((x) => x.rps)),
          unit: 'req/s',
          detail: `p50 ${fmt(med(r.max.map((x) => x.p50Ms)), 1)} ms, p99 ${fmt(med(r.max.map((x) => x.p99Ms)), 1)} ms, ${errs(r.max)} errors/non-2xx`,
          goal: '(report)',
          met: null,
        },
      ];
    },
  },
  {
    id: 'worklist',
    no: '4b',
    title: 'The worklist (issue 25): a clinician clears fed outputs, POST /api/v1/reviews then GET /api/v1/worklist, embedded SQLite, 127.0.0.1',
    jobs: (quick) => [{ job: 'worklist', params: { outputs: quick ? 100 : 500, reviews: quick ? 30 : 200, runs: quick ? 1 : 3 } }],
    rows: ([o], quick) => {
      if (isFailed(o))
        return [{ what: 'worklist', store: 'sqlite', impl: 'ours', unit: '', detail: `FAILED: ${o.failed.split('\n')[0]}`, goal: '', met: false }];
      const { runs } = o as { runs: WorklistRun[] };
      const errors = runs.reduce((a, x) => a + x.errors, 0);
      const p99 = stats(runs.map((x) => x.cycleP99Ms));
      return [
        {
          what: `one review from the worklist (${quick ? 30 : 200} in a row, ${quick ? 100 : 500} outputs fed): save + next page, p99`,
          store: 'sqlite',
          impl: 'ours',
          value: p99,
          unit: 'ms',
          detail: `p50 ${fmt(med(runs.map((x) => x.cycleP50Ms)), 1)} ms (POST /reviews p50 ${fmt(med(runs.map((x) => x.postP50Ms)), 1)} ms, GET /worklist?limit=50 p50 ${fmt(med(runs.map((x) => x.getP50Ms)), 1)} ms, p99 ${fmt(med(runs.map((x) => x.getP99Ms)), 1)} ms); next page still listing the saved output ${runs.map((x) => x.staleNext).join('/')} times (the app skips it); ${errors} errors. The browser's part: test/web/worklist.e2e-spec.ts prints it`,
          goal: 'server part of < 2 s from opening to saved; 0 errors',
          met: p99.median < 2000 && errors === 0,
        },
      ];
    },
  },
  {
    id: 'feed',
    no: '4b',
    title: 'HTTP POST /api/v1/ai-outputs (the AI-output feed), embedded SQLite, 127.0.0.1',
    jobs: (quick) => [{ job: 'feed', params: { bigBatches: quick ? 3 : 10, rate: 20, seconds: quick ? 3 : 15, runs: 3 } }],
    rows: ([o], quick) => {
      if (isFailed(o))
        return [{ what: 'POST /ai-outputs', store: 'sqlite', impl: 'ours', unit: '', detail: `FAILED: ${o.failed.split('\n')[0]}`, goal: '', met: false }];
      const { runs } = o as { runs: FeedRun[] };
      const errors = runs.reduce((a, x) => a + x.errors, 0);
      const rate = stats(runs.map((x) => x.outputsPerSecond));
      const p99 = stats(runs.map((x) => x.p99Ms));
      return [
        {
          what: `batches of 1,000 outputs back to back (${quick ? 3 : 10} per run)`,
          store: 'sqlite',
          impl: 'ours',
          value: rate,
          unit: 'outputs/s',
          detail: `batch p50 ${fmt(med(runs.map((x) => x.bigBatchP50Ms)), 1)} ms, max ${fmt(med(runs.map((x) => x.bigBatchMaxMs)), 1)} ms; each output its own stream, appended together; ${errors} errors`,
          goal: '≥ 2,000',
          met: rate.median >= 2000 && errors === 0,
        },
        {
          what: `100-output batches at 20 batches/s for ${quick ? 3 : 15} s, evenly spaced (open loop): p99`,
          store: 'sqlite',
          impl: 'ours',
          value: p99,
          unit: 'ms',
          detail: `p50 ${fmt(med(runs.map((x) => x.p50Ms)), 1)} ms, max ${fmt(med(runs.map((x) => x.maxMs)), 1)} ms, latency from each batch's due time; ${fmt(med(runs.map((x) => x.batchesPerSecond)), 1)} batches/s achieved; ${errors} errors`,
          goal: 'p99 < 50 ms, 0 errors',
          met: p99.median < 50 && errors === 0,
        },
      ];
    },
  },
  {
    id: 'bundle',
    no: '5a',
    title: 'Ledger sealing, evidence bundle export and offline verify, embedded SQLite',
    jobs: (quick) =>
      [0, 1, 2].flatMap((r) => {
        const file = `/tmp/oversight-bench-bundle-${r}.zip`;
        return [
          { job: 'bundleExport', params: { events: quick ? 10_000 : 100_000, file } },
          { job: 'bundleVerify', params: { file } },
        ];
      }),
    rows: (outs) => {
      const exports = outs.filter((_, i) => i % 2 === 0);
      const verifies = outs.filter((_, i) => i % 2 === 1);
      const failed = outs.find(isFailed);
      if (failed)
        return [
          { what: 'bundle export/verify', store: 'sqlite', impl: 'ours', unit: '', detail: `FAILED: ${failed.failed.split('\n')[0]}`, goal: '', met: false },
        ];
      const ex = exports as BundleExportOut[];
      const ve = verifies as Array<{
        verifySeconds: number;
        verifyCpuSeconds: number;
        ok: boolean;
        events: number;
        problems: unknown[];
        peakRssMb: number;
        cliSeconds?: number;
        cliPeakRssMb?: number;
      }>;
      const builtCli = ve.every((x) => x.cliSeconds !== undefined && x.cliPeakRssMb !== undefined)
        ? `; the built CLI (\`registry verify-bundle\` from dist/, what a user runs) ${fmtStats(stats(ve.map((x) => x.cliSeconds!)), 2)} s with its start-up, peak RSS ${fmtStats(stats(ve.map((x) => x.cliPeakRssMb!)))} MB`
        : '';
      const n = fmt(ex[0].events);
      const exportS = stats(ex.map((x) => x.exportSeconds));
      const exportRss = stats(ex.map((x) => x.peakRssMb));
      const verifyS = stats(ve.map((x) => x.verifySeconds));
      const verifyOk = ve.every((x) => x.ok && x.events === ex[0].eventCount);
      return [
        {
          what: `seal ${n} events (hash leaves + signed checkpoint)`,
          store: 'sqlite',
          impl: 'ours',
          value: stats(ex.map((x) => x.leavesPerSec)),
          unit: 'leaves/s',
          detail: `${fmtStats(stats(ex.map((x) => x.sealSeconds)), 2)} s; bulk seeding (not measured) ${fmt(med(ex.map((x) => x.seedSeconds)), 1)} s`,
          goal: '(report)',
          met: null,
        },
        {
          what: `bundle export of ${n} events (scope: all AI systems)`,
          store: 'sqlite',
          impl: 'ours',
          value: exportS,
          unit: 's',
          detail: `${fmt(ex[0].eventCount)} events in ${fmt(ex[0].streamCount)} streams, zip ${fmt(med(ex.map((x) => x.bundleBytes)) / 2 ** 20, 1)} MB, ${fmt(ex[0].eventCount / exportS.median)} events/s; ${ex[0].exportHeapMb ? `CPU ${fmtStats(stats(ex.map((x) => x.exportCpuSeconds)), 1)} s (all threads); peak RSS ${fmtStats(exportRss)} MB of the export's own process (V8 heap capped at ${ex[0].exportHeapMb} MB; seeding and sealing ran in another, ${fmtStats(stats(ex.map((x) => x.seedPeakRssMb)))} MB)${ex[0].longestStallMs === undefined ? '' : `; longest event-loop stall ${fmtStats(stats(ex.map((x) => x.longestStallMs)))} ms`}` : `peak RSS of the job ${fmtStats(exportRss)} MB (includes seeding and sealing in the same process)`}`,
          goal: '< 10 s, peak RSS < 300 MB',
          met: exportS.median < 10 && exportRss.max < 300,
        },
        {
          what: `bundle verify (${n} events)`,
          store: 'sqlite',
          impl: 'ours',
          value: verifyS,
          unit: 's',
          detail: `${verifyOk ? 'verified OK in every run' : `**not OK**: ${JSON.stringify(ve.map((x) => x.problems[0] ?? x.events))}`}, ${fmt(ex[0].eventCount / verifyS.median)} events/s${ve[0].verifyCpuSeconds === undefined ? '' : `, CPU ${fmtStats(stats(ve.map((x) => x.verifyCpuSeconds)), 1)} s`}; peak RSS ${fmtStats(stats(ve.map((x) => x.peakRssMb)))} MB (process of its own, loading only the verifier, through the TypeScript hook)${builtCli}`,
          goal: '< 5 s',
          met: verifyS.median < 5 && verifyOk,
        },
      ];
    },
  },
  {
    id: 'ledger',
    no: '5b',
    title: 'Ledger overhead on append (100 events/commit, 1 writer, embedded SQLite)',
    jobs: (quick) => [{ job: 'ledgerOverhead', params: { perCommit: 100, commitsPerWriter: quick ? 50 : 500, runs: 3 } }],
    rows: ([o]) => {
      if (isFailed(o))
        return [{ what: 'ledger overhead', store: 'sqlite', impl: 'ours', unit: '', detail: `FAILED: ${o.failed.split('\n')[0]}`, goal: '', met: false }];
      const r = o as { variants: { without: AppendRun[]; with: AppendRun[] }; sealedDuringRun: number[]; lagAtEnd: number[]; peakRssMb: number };
      const without = stats(r.variants.without.map((x) => x.eventsPerSec));
      const withL = stats(r.variants.with.map((x) => x.eventsPerSec));
      // Paired by round (the two variants of a round run back to back).
      const overhead = stats(r.variants.with.map((x, i) => 100 * (1 - x.eventsPerSec / r.variants.without[i].eventsPerSec)));
      // Main-thread CPU (Linux /proc) is what the leaf worker relieves (ADR 0026); older results lack it.
      const cpu = (runs: Array<AppendRun & { mainThreadCpuSeconds?: number; cpuSeconds?: number }>) =>
        runs[0].mainThreadCpuSeconds === undefined
          ? ''
          : `; CPU main thread ${fmtStats(stats(runs.map((x) => x.mainThreadCpuSeconds!)), 2)} s, all threads ${fmtStats(stats(runs.map((x) => x.cpuSeconds!)), 2)} s`;
      const line = (runs: AppendRun[]) =>
        `commit p50 ${fmt(med(runs.map((x) => x.commitP50Ms)), 1)} ms, p99 ${fmt(med(runs.map((x) => x.commitP99Ms)), 1)} ms, ${runs.reduce((a, x) => a + x.errors, 0)} errors${cpu(runs)}`;
      return [
        {
          what: 'append without ledger',
          store: 'sqlite',
          impl: 'ours',
          value: without,
          unit: 'events/s',
          detail: line(r.variants.without),
          goal: '',
          met: null,
        },
        {
          what: 'append with LedgerService following in the same process',
          store: 'sqlite',
          impl: 'ours',
          value: withL,
          unit: 'events/s',
          detail: `${line(r.variants.with)}; leaves sealed during the run ${r.sealedDuringRun.map((x) => fmt(x)).join(' / ')}, unsealed at the end ${r.lagAtEnd.map((x) => fmt(x)).join(' / ')}`,
          goal: '',
          met: null,
        },
        {
          what: 'ledger overhead on append (1 − with/without, paired per round)',
          store: 'sqlite',
          impl: 'ours',
          value: overhead,
          unit: '%',
          detail: `ratio of medians ${(withL.median / without.median).toFixed(3)}; job peak RSS ${r.peakRssMb} MB`,
          goal: '< 10 %',
          met: overhead.median < 10,
        },
      ];
    },
  },
  {
    id: 'ingest',
    no: '5c',
    title: 'Log ingest through the CLI (`node dist/apps/cli/src/main.js logs ingest`), embedded SQLite',
    jobs: (quick) => [{ job: 'logIngest', params: { mb: quick ? 100 : 1024, runs: 3 } }],
    rows: ([o]) => {
      if (isFailed(o))
        return [{ what: 'log ingest', store: 'sqlite', impl: 'ours', unit: '', detail: `FAILED: ${o.failed.split('\n')[0]}`, goal: '', met: false }];
      const r = o as { bytes: number; generateSeconds: number; runs: Array<{ seconds: number; mbPerSec: number; peakRssMb: number }> };
      const size = r.bytes >= 2 ** 30 * 0.99 ? `${(r.bytes / 2 ** 30).toFixed(2)} GB` : `${fmt(r.bytes / 2 ** 20)} MB`;
      const rss = stats(r.runs.map((x) => x.peakRssMb));
      return [
        {
          what: `ingest ${size} NDJSON (${r.runs.length} run${r.runs.length === 1 ? '' : 's'}): throughput`,
          store: 'sqlite',
          impl: 'ours',
          value: stats(r.runs.map((x) => x.mbPerSec)),
          unit: 'MB/s',
          detail: `wall time of the CLI process ${fmtStats(stats(r.runs.map((x) => x.seconds)), 1)} s (Node start, Nest bootstrap, hashing, blob write, event)`,
          goal: '(report)',
          met: null,
        },
        {
          what: `ingest ${size} NDJSON: peak RSS of the CLI process`,
          store: 'sqlite',
          impl: 'ours',
          value: rss,
          unit: 'MB',
          detail: 'VmHWM via /usr/bin/time -v (max over runs is what the goal is checked on)',
          goal: 'peak RSS < 200 MB',
          met: rss.max < 200,
        },
      ];
    },
  },
  {
    id: 'growth',
    no: '6',
    title: 'Growth: append and replay with 10k / 100k / 1M events in the store',
    jobs: (quick) =>
      (['postgres', 'sqlite'] as const).map((kind) => ({
        job: 'growth',
        params: {
          kind,
          sizes: quick ? [1_000, 5_000] : [10_000, 100_000, 1_000_000],
          batchEvents: quick ? 1_000 : 5_000,
          singleCommitsPerWriter: quick ? 5 : 100,
          runs: 3,
          // Set rebuildMaxSize to leave out rebuilds above a size (readAll is still measured there).
        },
      })),
    rows: (outs) =>
      outs.flatMap((o, i): Row[] => {
        const kind = i === 0 ? 'postgres' : 'sqlite';
        if (isFailed(o)) return [{ what: 'growth', store: kind, impl: 'ours', unit: '', detail: `FAILED: ${o.failed.split('\n')[0]}`, goal: '', met: false }];
        const r = o as {
          steps: Array<{ size: number; seedSeconds: number; batch: AppendRun[]; single: AppendRun[]; readAll: number[]; rebuild: number[] }>;
          peakRssMb: number;
        };
        const rows: Row[] = [];
        const flat = (pick: (s: (typeof r.steps)[number]) => number[]) => {
          const costs = r.steps.filter((s) => pick(s).length).map((s) => 1 / med(pick(s)));
          return Math.max(...costs) / Math.min(...costs);
        };
        const metrics: Array<[string, (s: (typeof r.steps)[number]) => number[]]> = [
          ['append 100/commit, 1 writer', (s) => s.batch.map((x) => x.eventsPerSec)],
          ['append 1/commit, 16 writers', (s) => s.single.map((x) => x.eventsPerSec)],
          ['readAll, pages of 1,000', (s) => s.readAll],
          ['rebuild oversight-reviews', (s) => s.rebuild],
        ];
        for (const [what, pick] of metrics) {
          const spread = flat(pick);
          const measured = r.steps.filter((s) => pick(s).length);
          for (const s of r.steps) {
            if (!pick(s).length) {
              rows.push({
                what: `${what} @ ${fmt(s.size)} events`,
                store: kind,
                impl: 'ours',
                unit: '',
                detail:
                  'not run in this job (rebuildMaxSize; in the run of 2026-11-25 because a 1M rebuild took ~15 min before the projection unit of work landed); readAll at this size is measured',
                goal: '',
                met: null,
              });
              continue;
            }
            const v = stats(pick(s));
            rows.push({
              what: `${what} @ ${fmt(s.size)} events`,
              store: kind,
              impl: 'ours',
              value: v,
              unit: 'events/s',
              detail: `${fmt(1e6 / v.median, 1)} µs/event` + (what.startsWith('rebuild') ? ` (replays the whole log)` : ''),
              goal: s === measured[measured.length - 1] ? `flat (max/min cost ≤ 1.5×): ${spread.toFixed(2)}×` : '',
              met: s === measured[measured.length - 1] ? spread <= 1.5 : null,
            });
          }
        }
        rows[rows.length - 1].detail += `; job peak RSS ${r.peakRssMb} MB`;
        return rows;
      }),
  },
];

function table(rows: Array<Row & { fig: string }>): string {
  const lines = ['| # | work | store | impl | median (min–max) | unit | detail | goal | met |', '|---|---|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const met = r.met === null ? '' : r.met ? '✅ yes' : '❌ no';
    lines.push(
      `| ${r.fig} | ${r.what} | ${r.store} | ${r.impl} | ${fmtStats(r.value, r.unit === 's' ? 2 : r.unit === 'ms' || r.unit === '%' ? 1 : 0)} | ${r.unit} | ${r.detail} | ${r.goal} | ${met} |`,
    );
  }
  return lines.join('\n');
}

export interface ReportInput {
  machine: Record<string, string | number>;
  command: string;
  quick: boolean;
  started: Date;
  totalSeconds: number;
  results: FigureResult[];
}

export function renderMarkdown(input: ReportInput): { table: string; document: string } {
  const rows = input.results.flatMap((res) => res.figure.rows(res.outputs, input.quick).map((r) => ({ ...r, fig: res.figure.no })));
  const t = table(rows);
  const m = input.machine;
  const perFigure = input.results
    .map((r) => {
      const load = r.load.length ? ` — load average (1 min) during the jobs ${Math.min(...r.load).toFixed(1)}–${Math.max(...r.load).toFixed(1)}` : '';
      const jobs = r.jobs.map((j) => `\`${j.job} ${JSON.stringify(j.params)}\``).join('; ') || 'none';
      const by =
        r.command && r.command !== input.command ? ` Produced by \`${r.command}\` at ${r.started} (code ${r.code}), merged into the saved results.` : '';
      return `- **${r.figure.no}. ${r.figure.title}** (${r.seconds.toFixed(0)} s${load}).${by} Jobs: ${jobs}`;
    })
    .join('\n');
  const document = `# Benchmarks

<!-- Written by \`${input.command}\` (bench/run.ts). Do not edit by hand: run it again. -->

${input.quick ? '> **Quick run** (`--quick`): reduced sizes, a smoke test of the harness. The figures are indicative only; run `npm run bench` for the real ones.\n' : ''}
| | |
|---|---|
| command | \`${input.command}\` |
| code | ${m.code} |
| date | ${input.started.toISOString()} (${input.totalSeconds.toFixed(0)} s in all) |
| machine | ${m.cores} cores (${m.cpu}), ${m.memoryGb} GB RAM, load average at start ${m.loadAtStart} |
| Node | ${m.node} |
| PostgreSQL | ${m.postgres}, 127.0.0.1 |
| SQLite | ours: better-sqlite3 (WAL; each durable commit's WAL fdatasync'd before it is answered, off the event loop: ADR 0024); Emmett: node-sqlite3 (WAL, synchronous=FULL by default) |
| Emmett | ${m.emmett} |

Every figure is the median of 3 runs with the spread (min–max) in brackets. Each job runs in a
child process of its own (\`node -r ./bench/register.js bench/worker.ts <job> '<params>'\`, listed
below), so each can be re-run alone. Ours and Emmett's run interleaved (ours, Emmett, ours, …) on
fresh, empty stores in the same database server, with the same events: a review
(\`oversight.AiOutputReviewed\`, ~240 bytes of JSON data plus ~55 bytes of actor metadata), appended
with optimistic concurrency (expected revision) to one stream per writer.

${t}

## Jobs that produced each figure

${perFigure}

${ANALYSIS}
`;
  return { table: t, document };
}

const ANALYSIS = `## Reading the figures: where goals are missed, why, and what would fix it

The analysis below was written from profiles and round-trip counts of the figures above; see
\`docs/adr/0009-benchmarks.md\` for method and fairness decisions.

**The latest partial runs.** *Bundles (5a)*, code fdbe2ad0 (\`npm run bench -- --only=bundle
--write\` after \`npx nest build\`, 2026-12-07 20:51 UTC, nothing else on the machine, load average
0.4–1.6): **export 7.70 s (7.15–9.06), goal < 10 s: met**, CPU 10.0 s, peak RSS 288 (285–288) MB
(< 300: met); **verify 3.74 s (3.64–5.24), goal < 5 s: met** (its third run was slow, as the
export's), peak RSS 291 (285–295) MB in the bench's own verify process (TypeScript hook loaded);
**the built CLI a user runs, \`registry verify-bundle\` from dist/: 4.06 s (3.66–5.63) with Node's
start-up, peak RSS 256 (251–258) MB**: the verifier's memory margin is ~44 MB, not ~9. Code
d8117c89 (20:12 UTC, before the CLI was measured), alternated with the code before that day's
changes (489e0d12) in the same minutes: export 7.24 s vs 7.68 s, verify 4.35 s vs 4.17 s, the
same within this machine's noise (there the bench's verify process reached 306 MB once, the
older code's 301 MB). A run taken straight after a CI run had left the machine busy gave export
9.88 s and verify 5.34 s: read these figures only from a quiet machine. Earlier, code e9a00a6 (16:49 UTC): export 8.11 s (7.39–8.28), verify 4.37 s (4.24–4.68).
The export had sat at the 10 s goal (10.61 s
(9.84–10.83) in the run of 93eff37): ADR 0056 cut its allocations by a third (keys sorted in place,
the seed-form line without a copy of the envelope, pages written as bytes) and its waits (proof
lines made during the event pass, every entry but \`events.jsonl\` made in a file first, writes of
256 KB); before and after alternating on one store, with the commands and figures, in the ADR.
This machine's speed drifted by up to 40 % within minutes that day: the same export code ran in
7.1 s and in 9.4 s. *Feed and worklist (4b)*, code 93eff37 (\`--only=feed,worklist,bundle\`,
13:38 UTC): 100-output batches at 20/s p99 47.7 ms (40.1–51.4; was 41.9), 1,000-output batches
4,268 outputs/s; worklist p99 36.5 ms. The rest of this text is from the full run.

**This run** (code 5b74400, a full \`npm run bench\` on a quiet machine at the start of a working
session; the load average per figure is listed above). Ours and Emmett's are interleaved run by
run so that both see the same conditions. Since ADR 0032 every append's events are made before
the clock starts (before, the harness's own JSON and UUIDs counted against every implementation's
rate), and figure 2 has 8 concurrent 100-event writers on SQLite as well as on PostgreSQL. The
text below quotes earlier runs where it explains a change. The raw-driver rows show what the disk
gave during this run, so read figures 1–2 against the raw rows of the same run.

**Where this run stands.** Met: figure 1 on both stores (PostgreSQL 7,615 events/s, 5.19×
Emmett), figure 2 on PostgreSQL with 8 writers (59,541 events/s, 2.92× Emmett), every ≥ 1.0×
Emmett comparison, figure 4 (p99 14.1 ms at 200 req/s, 0 errors), figure 5 (export 7.9 s and
266 MB, verify 4.0 s in that run — 4.9–5.8 s since the verifier derives the timeline, see 5a —, ledger
overhead 8.2 %, ingest 188 MB) and figure 6 (all flat). **Missed, on
this 2-core machine:**
- *Figure 2, one 100-event writer on PostgreSQL, goal 50,000 events/s*: 37,796 (130 % of the raw
  driver's 29,142). One writer waits for its own round trip and WAL flush per commit; docs/design.md §7
  measured 16–18.5k for a plain \`pg\` writer here. The goal is met where there is something to
  share, with concurrent writers (the 8-writer row).
- *Figure 2, 100-event commits on SQLite, goal 100,000 events/s*: 66,457 with one writer (115 % of
  the raw driver, which makes 57,957) and 73,128 with 8 writers (153 % of raw). Bound by SQLite's
  own insert work and the WAL flush, both measured below; more cores would not help one writer,
  a faster disk (flush) and the checkpoint moved off the main thread would (see 1–2 on SQLite).
- *Figure 3, full rebuild, goal 50,000 events/s*: 29,165 on PostgreSQL and 36,266 on SQLite.
  Bound by CPU on the client (~28–34 µs per event, half of it SQLite's own work on the embedded
  store) with two cores shared by client, database and garbage collector. What would close it:
  more cores for a parallel rebuild (one projection's batches written by a second thread was
  tried and only moved work on 2 cores), or a narrower read model (see 3).

**1. One event per commit on PostgreSQL (goal ≥ 2,000 events/s).** Every append holds the
\`event_log_head\` row lock until it commits (docs/adr/0002), so commits happen one at a time.
Before this issue an append made 4 client round trips inside the lock: a first full run measured
341 events/s (0.38× Emmett). Commit 16daba4 made it one statement (\`oversight_append\`), so the
lock spanned one statement and its commit's WAL flush (1,326 events/s, 0.74× Emmett): the flush
*was* the lock hold, and 16 writers could not share one. Since ADR 0018 the store **group-commits
on PostgreSQL too**: the appends that arrive while a group is committing are sent together as one
statement (\`oversight_append_group\`, each append in its own exception block, so a conflict fails
only that append), i.e. one round trip and one WAL flush per group of up to 32. The lock and the
gap-free, commit-ordered positions stay exactly as ADR 0002 argues (the group holds the head row
until it commits, and commits atomically; the argument is in ADR 0018). In the run of 4012a8b ours made 3,720
events/s, 3.53× Emmett and 213 % of the raw driver (f2c2fae: 3,570, 3.55×, 213 %; 2be2a0f: 5,187, 2.99×, 124 %) (16 raw writers each wait for their own flush;
a group waits for one), where the run of 71012e0 had 1,326 events/s, 0.74× Emmett and 36 % of
raw: **the goal is met**. With ADR 0029 (the stream's last revision read from the index, not
aggregated, and one index fewer) the run of 6b9fb3e (\`--only=append1\`) made 7,313 events/s, 4.98×
Emmett and 278 % of raw. The option not taken is Emmett's own (order by
\`xid8\`): it gives up the dense position the ledger needs.

**2. 100 events per commit on PostgreSQL (goal ≥ 50,000 events/s).** docs/design.md §7 measured
16–18.5k events/s for one plain \`pg\` writer and 48–53k only with 4–8 concurrent writers on a
quiet machine. With one writer there is nothing to group, so ours is one writer's rate (read it
against the raw row). With 8 writers, group commit sends their appends as one statement and one
flush, which is what lets concurrent raw writers reach 50k. In the run of f2c2fae, when the disk
gave the raw driver only 17–21k events/s, ours made 27,961 events/s with 8 writers (1.94× Emmett,
130 % of raw). In this run of 2be2a0f the disk was faster: raw 8 writers 44,378 (37–53k), ours
28,051 (1.18× Emmett, 63 % of raw); one writer 24,336 (1.52× Emmett, 73 % of raw 33,451). That
run's text put the cap down to the group's inserts running on one backend; measured since
(ADR 0029), the cap was the function's cost per event: it read each event's columns by array
subscript, and finding an element of a text array walks the array from its start (a group of 8 ×
100 events cost more per event than 8 groups of one), and its \`MAX(stream_revision)\`, planned once
per connection while the table was empty, stayed an aggregate over the whole stream (\`perf\` on
the backend: \`_bt_checkkeys\`, \`int4larger\`), so each append grew with its stream. Since ADR 0029
each append's events are unnested from one slice, the last revision is one backward index read,
and an index no query used (\`type, global_position\`) is gone: the function's server time for
groups of 8 × 100 fell from 19 to 11 µs per event (psql, no client, same table: 458 → 257 ms for 24,000 events). Run of 6b9fb3e
(\`--only=append100\`, quiet machine): **8 writers 47,656 events/s (39.5–49.5k), 151 % of the raw
driver (31,494) and 2.56× Emmett; one writer 34,149, 119 % of raw and 2.51× Emmett** — the
50,000 goal is close and still missed. What is left is PostgreSQL's own insert into a table with
three indexes (~11 µs per row here, as for a plain multi-row insert in psql) and the alternation
of client and server: 8 writers settle into groups of 1 and 7 taking turns, each with its own
round trip and flush; a second group in flight on another connection gained ~7 % in paired runs
(within the spread) at the cost of the call order of concurrent appends (ADR 0029: not taken).
Since ADR 0031 the group's arrays go in PostgreSQL's binary format (\`array_recv\`): event data
is JSON, and as array literals every quote was escaped by \`pg\` on the client and scanned back
by \`array_in\` on the server. Back to back on a busier machine, 8 writers: 30–35k → 36–46k
events/s. In this run of the code of that commit (\`--only=append1,append100 --write\`):
**8 writers 52,925 events/s (45.3–56.6k), 180 % of the raw driver (29,357) and 2.98× Emmett:
the goal is met**; one writer 33,236 (138 % of raw, 2.62× Emmett). 16 one-event writers (figure
1): 6,837 events/s, 4.91× Emmett, 294 % of raw.

**1–2 on SQLite (goals ≥ 1.0× Emmett; ≥ 100,000 events/s for 100-event commits).** SQLite
has one writer at a time whatever the store does, and a commit costs one WAL fsync. Since commit
71012e0 the store group-commits: appends that queue while a transaction runs go into the next one
together, each in its own savepoint, so 16 concurrent writers share one fsync per group — which
is why ours is above the raw driver (one commit per event) at 1 event per commit. With one
100-event writer there is nothing to group: read ours against the raw row of the same run. The 100,000 events/s goal needs a 100-event commit in under 1 ms; docs/design.md §7's raw
better-sqlite3 figure (113k events/s) was taken on a quiet machine, and the raw row here shows
what the disk gives during this run. Emmett's SQLite store as configured by
\`getSQLiteEventStore({ fileName })\` opens a connection per call and sets no busy timeout, so
with 16 concurrent writers most appends fail with \`SQLITE_BUSY\` (its row shows the count);
the "serialised" variant (one shared connection plus a queue in the caller) is the fair
comparison. Emmett's driver (node-sqlite3) runs statements on libuv's thread pool, ours
(better-sqlite3) on the main thread; for a single writer at a time that changes latency under
load, not throughput. Since ADR 0024 (f2c2fae) our durable commits flush the WAL on the thread
pool after \`COMMIT\` (for HTTP latency, figure 4); a single sequential writer pays for it with
two more \`PRAGMA\`s and file operations per commit: in the run of f2c2fae 100-event commits ran at
82 % of the raw driver (30,051 events/s). Since ADR 0028 the WAL descriptor stays open (one
\`fdatasync\` job per flush instead of open, sync, close): in this run of 2be2a0f one 100-event
writer made 63,945 events/s, **110 % of the raw driver** (58,304) and 1.98× Emmett (serialised),
and 16 one-event writers 10,652 events/s, 272 % of raw and 9.95× Emmett. In the run of 6b9fb3e (\`--only=append1\`,
\`--only=append100\`, after the unused type index was dropped): 65,539 (117 % of raw 56,116) and
10,010 (200 % of raw). In the run of ADR 0031's commit (\`--only=append1,append100\`, SQLite code
unchanged, a busier disk): 59,144 (107 % of raw 55,224) and 10,782 (186 % of raw). In the full run of
5b74400 (events made before the clock, event ids from a larger random pool: ADR 0032): one
100-event writer 66,457 events/s (115 % of raw 57,957), 8 writers 73,128 (153 % of raw 47,672:
group commit shares one flush among the 8 appends of a group), 16 one-event writers 11,820 (206 %
of raw). **The 100,000 events/s goal is missed, and the raw driver misses it by more.** What
bounds it, measured on 2026-12-04 rather than assumed: (a) SQLite's own work for 100 rows of
this table is 0.5–0.7 ms per commit *without any flush* (\`bench/sqlite-floor.ts 300\`: plain
better-sqlite3, \`synchronous=OFF\`, prepared statements, the review events of figure 3, ~590
bytes of JSON per row: 5–7 µs per row with no index, the stream index or both, after a
discarded warm-up round); (b) an \`fdatasync\` after an 80 KB append takes 0.24–0.28 ms (p50,
same script) on this disk, and the store waits ~0.6 ms per commit for it including the
thread-pool round trip (the idle time in \`node --cpu-prof -r ./bench/register.js
bench/profile-append.ts sqlite 100 1000\`); (c) the store's JavaScript and GC ~0.3 ms (same
profile). 100,000 events/s needs the whole commit in 1 ms: with (a) + (b) alone at 0.8–1.3 ms,
one sequential writer cannot get there on this disk. With 8 writers the flush is shared, and
what is left per 800-event group (~10 ms) is, timed inside better-sqlite3
(\`NATIVE_TIMING=1 … bench/profile-append.ts sqlite 100 500 8\`), SQLite's inserts (~2.3 µs per
event), \`COMMIT\` (~2.8 µs per event: WAL writes, and the automatic checkpoint every 1,000
pages, which copies the pages to the database file and fsyncs it on the main thread), and
waiting for the shared flush; a checkpoint in a worker thread is the next step there (tried for
rebuilds in ADR 0030, +7 %, not kept). Larger pages help SQLite alone
(\`bench/sqlite-floor.ts 300 16384\`: 5–5.6 µs per row) but made the store slower (ADR 0032:
every commit rewrites the index pages it touches whole, and they are 4× larger). The unserialised Emmett variant can also crash its
process (an unheard \`error\` event of node-sqlite3, "cannot change into wal mode from within a
transaction"); the benchmark now counts that as failed appends instead of losing figure 1.

**3. Replay (goal ≥ 50,000 events/s on both stores).** Reading is fast (the readAll rows). A
rebuild was bound by the projections' row-at-a-time writes: the first full run measured 1,115
events/s on PostgreSQL and ~10,000 on SQLite; commit 18deb2c made the projection context a unit
of work (rows by primary key cached per batch, flushed as multi-row upserts). A profile of the
rebuild alone (inspector session around \`ProjectionRunner.rebuild\`, per-statement timing of
\`SqlTx.query\`, 20k events on SQLite) then showed the multi-row upserts into the fresh tables
taking most of the time: every row also updated three secondary indexes of \`rm_reviews\` and one of
the timeline, with random keys (pseudonyms, UUIDs). Since ADR 0018 a rebuild creates its
non-unique indexes once, after the replay and before the swap (4.3 s → 1.3 s of statement time,
1,440 → 3,670 events/s in the same heavily loaded conditions, ×2.5); read-model batches commit
without waiting for the flush (they are derived from the log, ADR 0018 §3); the context caches
entity metadata and builds its upserts in one pass; and PostgreSQL's \`?\` → \`$n\` numbering of
the 5,000-parameter upsert texts (2–3 ms each in the profile) is memoised. The run of 4012a8b measured 30,354 events/s
on SQLite (17 % of readAll's 176k) and 11,919 on PostgreSQL (11 % of 104k). A per-statement
profile (\`bench/profile-rebuild.ts\`: statement time at the query runner, CPU time per event)
then showed PostgreSQL spending most of a rebuild in the 5,000-placeholder upserts (17–20 ms
each). Since ADR 0022: on PostgreSQL the context sends one array per column
(\`INSERT … SELECT FROM unnest($1::type[], …)\`; upsert statement time 11.6 s → 3.4 s for
3 × 30k events); rows known to be new (inserted by the projection, or looked up and missing) go
out as plain INSERTs, not upserts (\`ON CONFLICT\` costs about twice as much on PostgreSQL);
and a rebuild commits every 5,000 events (\`PROJECTION_REBUILD_BATCH_SIZE\`), still reading in
pages of 1,000 (a larger LIMIT made PostgreSQL scan and sort the whole log). Measured back to
back against f148278 (before) on a machine loaded by other sessions (load average 6–8 on 2 cores, so
only the ratios mean something), \`npm run bench -- --only=replay\`: PostgreSQL 2,762 and
2,728 → 3,818 and 4,657 events/s (×1.4–1.7), SQLite 8,606 and 8,436 → 22,417 and 10,911; in
\`profile-rebuild.ts\` the SQLite rebuild's CPU time fell from a median of ~54 to ~46 µs per
event. What is left, per event: on SQLite, SQLite's own work in about equal parts for reading
the log, the inserts and the commits (WAL writes and checkpoints), then JSON parsing of each
envelope, the projection's code and garbage collection (~18 % of the process's time); on
PostgreSQL, the server's insert work (a plain 5,000-row insert of timeline rows takes ~60 ms
in \`psql\` on this machine) and serialising the arrays in \`pg\` (50–200 ms per 5,000 rows
under load; a JSON parameter with \`json_populate_recordset\` serialises ~10× faster but was no
faster overall with client and server on the same 2 cores). Since ADR 0030 (PostgreSQL only):
rows known to be new go by \`COPY … FROM STDIN\` from 200 rows on (\`pg-copy-streams\` on the
transaction's own client; measured on 5,000 review rows: 8.5 µs per row end to end against 13.5
for the arrays, whose parsing on the server was most of the cost), and a rebuild projects batch
N+1 on its own connection while batch N writes and commits (rows N holds come from N's unit of
work; N+1 writes only after N commits). In \`bench/profile-rebuild.ts postgres 50000 3\` back to
back: 13–17k → 20–27k events/s with \`COPY\`, 25–30k with the pipeline; in the run of the code
of 53a251d/f5eb1b4 (\`--only=replay,growth --write\`) 27,196 events/s on PostgreSQL (was
15,919 in the full run of 2be2a0f) and 33,708 on SQLite; **in the full run of 5b74400, 29,165
and 36,266**. Both still miss 50,000. What is left, per event: the client's own CPU, ~28–34 µs on
either store (CPU profile of the rebuilds alone, \`CPU_PROFILE=… bench/profile-rebuild.ts\`):
garbage collection 17–27 % (the batches' envelopes and rows outlive the young generation; a
larger one, \`--max-semi-space-size\` 32–128, and smaller batches did not help), parsing the
envelopes (~2 µs), the unit of work and the projection (~8 µs), and on SQLite SQLite's own
work, ~13 µs per event, timed per statement in \`bench/profile-rebuild.ts sqlite 50000 3\` on
2026-12-04: \`COMMIT\` 4.4 µs (of which ~2.9 µs is the automatic checkpoint: 660 → 229 ms of
\`COMMIT\` time with \`PRAGMAS=wal_autocheckpoint=0\` before the same command, but a WAL that is never checkpointed only defers
the copy; the rate moved ~6 %), reading the log 2.9 µs, the two rows' inserts 4.3 µs and the
index builds before the swap 1.1 µs. Both processes share the machine's two cores:
a writer thread for SQLite's inserts (tried, ADR 0030) only moved the work, since V8's parallel
garbage collector already used the second core. More cores (a writer thread, or the
projections of one rebuild run side by side), a faster disk, or a read model with fewer and
narrower rows per event (the timeline repeats most of a review's columns) are what would close
the gap.

**4. HTTP on embedded SQLite (goal p99 < 20 ms at 200 req/s, 0 errors).** A request includes
authentication (Ed25519 JWT), validation, pseudonymisation (HMAC), encryption of the reason under
the patient's key, the append, pino request logging, the NEN 7513 access log, and the live
projections in the same process. better-sqlite3 is synchronous: every commit's fsync blocks the
event loop, so the number of fsyncs per request sets the latency under load. \`strace -f -e
trace=fsync,fdatasync\` on the server counted 8.1 fsyncs per POST early in this issue (the append
and a checkpoint-only commit for every one of six projections), then 3.3 once checkpoints over
unread events were written at most once a second, with appends group-committed (commit 71012e0).
Since ADR 0018 the read-model batches and the ledger's leaf rows commit without waiting for the
flush (they are derived from the log; SQLite's WAL and
PostgreSQL's WAL are ordered, so a later durable commit flushes them and a crash can only undo
them together with their checkpoint). Counted the same way on 100 sequential POSTs
(\`bench/http-server.ts\`): **3.5 fsyncs per POST before, 1.26 after** — the append's own
(shared by concurrent requests through group commit) and the once-a-second checkpoint writes. In the run of 4012a8b (1.26 fsyncs per POST) p99 was 53 ms
at 200 requests/s with 0 errors (61 ms in the run of 71012e0), and the maximum sustained rate ~306
requests/s: still missed. Since ADR 0024 that last flush is off the event loop: a durable
SQLite transaction commits with \`synchronous=NORMAL\` and its caller waits for an
\`fdatasync\` of the WAL on libuv's thread pool (coalesced; readers get no event before a flush),
so the answer still comes only after the flush. Timing every statement of the server (a
\`-r\` hook on TypeORM's better-sqlite3 runner, quick HTTP job) showed \`COMMIT\` on the main
thread at 1.5–4 ms a piece before and ~0.3 ms after. In this run of f2c2fae (load average ~2):
p99 44 ms (from 53), p50 14 ms (from 18), maximum sustained rate 457 requests/s (from 306),
0 errors — better, still above the 20 ms goal.

**How figure 4 is measured changed on 2026-12-03 (ADR 0028).** Until then the 200 requests/s
came from autocannon's \`overallRate\`, which paces each connection with a counter reset every
second: each of the 10 connections sent its 20 requests back to back as fast as answers came, then
waited for the next second, so the server saw a burst of 10 concurrent requests at the start of
every second (closed loop) and then nothing — a saturation test, not 200 requests a second.
The goal row is now an open-loop generator (\`bench/lib/open-loop.ts\`): request *i* is due at
*i*/200 s, whatever happened to the ones before, and its latency counts from when it was due, so
time queued behind a slow answer counts too (no coordinated omission). autocannon's paced run
stays as a reported row. A profile of the server under load (\`BENCH_SERVER_ARGS='--cpu-prof …'\`
and a \`-r\` hook timing every statement and every WAL flush) then showed no dominant cost: SQL
~0.45 ms per request; Ed25519 checks of the (same) bearer token ~9 % of the CPU, pino ~6 %,
validation ~5 %, projections ~2.4 %; and the WAL flush a median 5 ms from call to answer under
load where a bare \`fdatasync\` on this disk takes 0.1–0.5 ms: it was three jobs on the thread
pool (open, sync, close), each waiting for a turn of the busy event loop to go on. Now a verified
token is remembered for up to 60 s (never past its \`exp\`; \`TOKEN_CACHE_SECONDS\`) and the WAL
descriptor stays open (one job per flush). In the run of 2be2a0f (quiet machine, load average
0.9 at the start): **p99 10.4 ms (8.8–14.5), p50 3.1 ms, 200 requests/s, 0 errors — the goal is
met**. On the old method, same run, autocannon's paced bursts give p99 23 ms (p50 7 ms) against
44 ms in the run of f2c2fae: that halving is the server (token cache, one job per flush, the ledger
sealer in a worker thread, ADR 0026, and cheaper canonical JSON, ADR 0027), not the method; which
of them did most was not separated. The maximum sustained rate rose from 457 to 979 requests/s.

**5a. Bundle export and verify of 100k events (goals < 10 s and peak RSS < 300 MB; < 5 s).**
Reworked for issue 8 (ADR 0019). The earlier profile (30k events, idle machine: 7.6 s) named
deflate, garbage collection, reading the log four times, canonical JSON and the PDF. The export
now reads the log twice (scoping, then one pass that writes events, proofs and both timeline files
together, the companions through a temporary directory), takes proofs from one tree held as
hashes (64 B per leaf), writes proof lines directly, deflates at level 1 and bounds the reports
(summary over every event, first 2,000 / 300 events listed). Verify reads events and proofs in
step and does about two hashes per proof (the last verified path is reused). Same 30k-event job,
old against new writer, back to back on the same loaded machine: 16.3 against 5.6 CPU-seconds.
The export now runs in a process of its own with the V8 heap capped at 128 MB, so its peak RSS is
the export's (~180 MB of it is the benchmark's baseline: Node, TypeORM and the swc require hook)
and a writer that held the bundle would fail rather than grow; uncapped, V8 lets garbage reach a
few hundred MB before a full collection (the heap is ~60 MB right after the pass), which is what
the earlier ~580 MB mostly was, together with the seeding in the same process. Wall times on this
shared 2-core machine swing with the load (load average 15–25 during development), so the CPU
time column (all threads, zlib included) is the steadier figure; what remains per event is
reading and decoding it twice, canonical JSON, the timeline row and deflate. In the run of 4012a8b (quiet machine): export 18.5 s with
27 CPU-seconds and 322 MB peak RSS of the export's process, verify 6.0 s — all three goals still
missed, from 30 s / 578 MB / 7.9 s before. Since then (ADR 0023) a profile of the 100k export showed
a third of its CPU in garbage collection (the live heap near the 128 MB cap, half of it the module
graph before the export starts), proof lines built as one JS string per hash and spilled to a
temporary file, and a second copy of every stream id: \`proofs.jsonl\` is now written after
\`events.jsonl\` from 4-byte leaf indices, hex-encoded straight into page buffers, and the writer
counts on the census entries. Same store, one run each on the loaded machine: export CPU 30.2 →
17.7 s, peak RSS 326 → 301 MB, bundle byte-identical. In the run of f2c2fae (load average
~2): export 11.9 s wall, 16.2 CPU-seconds, peak RSS 291 MB of the export's process — the
300 MB goal met, the 10 s goal missed by ~2 s; verify 6.3 s, missed (unchanged code). ADR 0027
then took the next items of the profile (GC 3.4 of 12 s sampled, canonical JSON 1.2 s, yazl's
JavaScript CRC-32 0.7 s): canonical JSON built by appending, CRC-32 from \`zlib.crc32\`, SHA-256
in one call per hash, census entries that are the scan's own objects, and pages of 50 events (250
in the census) so that less is alive at each young GC (bytes copied by scavenges 362–448 →
151–276 MB); verify compares proof elements as hex text with the last verified path. The
export also yields to the event loop between pages: its longest stall went from 1.0–1.2 s to
0.2–0.35 s (now reported by the job). Same 100k store, three runs alternating 832e8ce and
f9dca28 (\`node --max-old-space-size=128 -r ./bench/register.js bench/worker.ts bundleWrite …\`,
load average ~4): export CPU 11.7–15.9 → 8.5–8.7 s, wall 11.9–17.2 → 8.3–9.4 s, peak RSS
293–304 → 283–298 MB; verify CPU 5.9–7.0 → 3.7–5.3 s, wall 5.8–6.9 → 3.7–4.8 s; bundle
byte-identical. The export's child now runs without the swc hook's inline source maps
(\`BENCH_SOURCE_MAPS=off\`: 17 MB of its 128 MB heap, which production, running \`dist/\`, does
not have): peak RSS 265–282 MB in the same conditions. In the full run of 2be2a0f on a quiet
machine: **export 6.75 s (6.0–7.7), 8.6 CPU-seconds, peak RSS 258 MB; verify 3.86 s (3.5–4.3):
all three goals met.**

After provable plaintext and external anchors (issue 22, ADRs 0036–0037; \`npm run bench --
--only=bundle --write\`, 2026-12-06, quiet machine): the verifier now checks every text against
the commitment in its leaf and derives one timeline JSON, CSV and report row per event from the
proven events, which took verify of 100k events from ~4.1 s to ~6 s. Hashing the derived rows in
64 KB chunks and inflating the timeline files while the events are checked brought it to 4.9–5.8 s
over five runs: **the < 5 s goal is at the edge, not reliably met**; peak RSS 317–335 MB. Export
6.7–8.3 s over the same runs (goal met). The bench bundles hold no text commitments (seeded
ciphertexts), so they measure the erased-text path.

Since ADR 0049 the verify job measures the verifier alone: \`bundleVerify\` runs the verify in a
process of its own (\`node -r ./bench/register.js bench/bundle-verify.ts <zip>\`, without the swc
hook's source maps, like the export's) that loads only the verifier's light entry
(\`@app/evidence/verify\`), as \`registry verify-bundle\` does; its CPU time (all threads) and peak
RSS are that process's. About 92 MB of that RSS is Node and the swc hook before the bundle is
opened (\`registry verify-bundle\` from \`dist/\` starts at ~61 MB). Figures before ADR 0049
included the worker's TypeScript loader and every lib it had loaded (~200 MB). When the CLI is
built (\`npx nest build\` before the run), the job then verifies the same bundle once more with
\`registry verify-bundle --json\` from \`dist/\`, what a user runs: its wall time includes Node's
start-up and loading the CLI, its peak RSS carries no TypeScript hook (the row's last figures).

Since ADR 0055 the verifier computes the event lines' canonical form and leaves (\`formatTwoLeaf\`,
the HMAC salts, the commitments, the leaf hash: about half its per-line work) ahead in a worker
thread of its own, which reads \`data/events.jsonl\` a second time and reports that read's SHA-256,
checked against the main thread's; the main thread keeps everything that depends on the order of
the lines. On the shared machine with a core free, same bundle, old and new in one session: verify
5.88 → 4.59 s (−22 %) in the bench job's process, 9.2–9.6 → 5.8–6.6 s for \`registry verify-bundle\`
from \`dist/\`; CPU rises by ~1.3 s (the file is inflated and parsed twice) and the bench job's
peak RSS by ~20 MB (285–296 MB under load: one heap more, its young generation capped at 16 MB).
At load ~3.5 it gained 0–22 % in three alternating pairs; with both cores busy it gains nothing.
The peak RSS is the figure to watch in the re-run. The quiet-machine figures above predate it.

**5b. Ledger overhead on append (goal < 10 %).** The append path does no ledger work; the cost was
the follower sharing the one thread and the one SQLite connection: reading the events back,
canonical JSON, SHA-256 (~33k leaves/s), the compact range and the leaf rows. Batching the sealing
every \`LEDGER_SEAL_INTERVAL_MS\` (500 ms) instead of on each append took the overhead from ~64 % to
~55 %, the flush off the event loop (ADR 0024) did not change it (56.9 % in the run of f2c2fae).
Since ADR 0026 a worker thread reads the events with its own read-only connection up to the
durable head handed to it, hashes the leaves and extends the compact range; the main thread reads
the durable head, inserts the leaf rows and adopts the range, and a round seals up to the head as
it was when the round began. Measured back to back on the same checkout, \`LEDGER_WORKER=false\`
(before) against the default (after), three alternating runs each of \`node -r ./bench/register.js
bench/worker.ts ledgerOverhead '{"perCommit":100,"commitsPerWriter":500,"runs":1}'\` on the shared
2-core machine (load average 3.6–4.0): the main thread's CPU with the ledger went from +114–144 %
of its CPU without it to +9.5–10 % (e.g. 0.85 → 1.82 s before, 0.80 → 0.88 s after); the process
CPU (all threads) from +113–145 % to +76–82 %; the append rate overhead from 46–63 % to 29–38 %.
Nine paired runs per mode later (\`"runs":3\`, load average 5.3–6.5): rate overhead median 59.2 % →
22.5 % (range after −8.5–54.7 %), main-thread CPU +143.9 % → +12.7 %, most of what is left being the
leaf rows' insert (~2 µs a row); \`npm run bench -- --only=ledger\` (3 paired runs, load ~5):
overhead 23.8 % (16.6–27.6 %), main-thread CPU 0.99 s without and 1.00 s with the ledger, all
threads 1.18 → 1.87 s. So the event loop's share is about a tenth or less, while the rate is not
yet within 10 % on this machine: the worker's hashing (~0.8 CPU-seconds per 50k leaves, mostly
canonical JSON and \`JSON.parse\`) competes with the appends for the two busy cores; with a spare
core the rate overhead should approach the main thread's (not measured: no quiet machine). The
worker also lets the ledger lag further behind a writer running flat out (median 13.8k of 50k
events unsealed when the appends stopped, sealed by the next rounds; in-process: 100).
In the full run of 2be2a0f on a quiet machine: **overhead 9.2 % (5.1–10.9 %), goal met**; main
thread CPU 0.52 s without and 0.56 s with the ledger, all threads 0.61 → 0.86 s. Read it with the
lag: appends ran at ~70k events/s and the sealer alone seals ~58k leaves/s (5a), so while a writer
runs flat out the ledger falls behind (36–40k of the ~50k events were unsealed when the appends
stopped) and catches up afterwards; the figure is the cost to appends, and the ledger's own
throughput is the 5a "seal" row. PostgreSQL keeps sealing in-process (ADR 0026 says why); not measured here.

**5c. Log ingest of 1 GB (goal peak RSS < 200 MB).** Met: the CLI streams the file (hashing and
blob write), ~200 MB/s including Node start and the Nest bootstrap. The peak RSS (~175 MB) is the
same for 100 MB (quick run) and 1 GB, i.e. it is the application's baseline (the whole AppModule
with its libraries is loaded for a one-shot command), not the file; the margin to the goal is
small for that reason, and a leaner module for the CLI would widen it. In the run of 2be2a0f the
peak was 188 MB (179 in f2c2fae): the baseline grew with this session's code (not analysed; the
S3 SDK is loaded only with \`BLOB_STORE=s3\`), still under the goal, by 12 MB.

**6. Growth.** Appends should stay flat with the size of the log: the head row, the
\`(stream_id, stream_revision)\` index and the primary key keep every statement O(log n); the
spread between sizes is mostly the machine's load at the time of each step (read it with the
spread of each cell). A rebuild replays the whole log, so its time grows linearly; its cost per
event is what must stay flat. In the run of 4012a8b it was flat on SQLite (1.04×) and not on
PostgreSQL (2.21×), but the odd one out is the smallest size: 173 µs/event at 10k against 79
and 89 at 100k and 1M, i.e. a cost per rebuild, not per event. Part of it is measured: each
rebuild creates three tables through TypeORM (catalogue queries, ~90 ms), builds four indexes,
swaps and drops in durable DDL commits (together 0.1–0.25 s, i.e. 10–25 µs/event at 10k and
nothing at 1M), and the first rebuild in a process runs cold (in \`bench/profile-rebuild.ts\`
its CPU time per event is 1.5–2.2× that of the third). The rest of the gap at 10k is not
explained yet; ADR 0022 lowered the per-event cost on PostgreSQL, which makes a fixed cost
weigh more at 10k, so read this row with its spread. Two runs of \`--only=growth\` on 2026-12-04 (code
6b9fb3e) showed the same at the smallest size in other rows (SQLite 100-event appends at 10k:
34 µs/event against 20.5 at 1M; 16 one-event writers: 1.54×), each time the first step measured
in the job's process. The job now runs one unmeasured round on the empty store first (append,
readAll, rebuild; its events count toward the first size), and the 16-writer step appends 1,600
events per run instead of 400 (about 60 ms, too short to time). With both (same day, same code): the append and readAll
rows are flat (1.08–1.36×); the PostgreSQL rebuild is not (68 µs/event at 10k against 44 at 1M,
1.54×): the fixed cost of each rebuild described above (tables, four index builds, swap), about
0.2 s, weighs 20 µs/event at 10k and nothing at 1M; per event above that fixed cost it is flat.
Re-run after ADR 0030 (\`--only=replay,growth --write\`, code of 8eec8b1): every row is flat now,
the PostgreSQL rebuild 1.39× (44 µs/event at 10k, 32–34 at 100k and 1M: the same fixed cost per
rebuild over a lower cost per event).
`;
