import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { type HttpRun, openLoop, type OpenLoopRun } from '../lib/open-loop';

export type { HttpRun };

export interface Server {
  proc: ChildProcess;
  url: string;
  token: string;
  aiSystemId: string;
  /** An `ai-system` token bound to `aiSystemId`. */
  feedToken: string;
}

export function startServer(): Promise<Server> {
  const proc = fork(join(__dirname, '..', 'http-server.ts'), [], {
    // BENCH_SERVER_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the server.
    execArgv: ['-r', join(__dirname, '..', 'register.js'), ...(process.env.BENCH_SERVER_ARGS?.split(' ').filter(Boolean) ?? [])],
    // Production logging (pino, info: one line per request) to /dev/null.
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    proc.once('message', (m) => resolve({ proc, ...(m as Omit<Server, 'proc'>) }));
    proc.once('exit', (code) => reject(new Error(`HTTP server exited (${code})`)));
  });
}

export function stopServer(s: Server): Promise<number | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      s.proc.kill('SIGKILL');
      resolve(undefined);
    }, 10_000);
    s.proc.on('message', (m: { stopped?: boolean; peakRssMb?: number }) => {
      if (m?.stopped) {
        clearTimeout(timer);
        resolve(m.peakRssMb);
      }
    });
    s.proc.send({ stop: true });
  });
}

function reviewBody(s: Server): string {
  return JSON.stringify({
    aiSystemId: s.aiSystemId,
    modelVersion: '2.3.1',
    outputReference: 'pacs://studies/1.2.3/ai-report',
    outputSha256: createHash('sha256').update('AI: no pneumothorax').digest('hex'),
    patientId: 'NL-123 456 789',
    decision: 'rejected',
    reason: 'Pneumothorax visible at left apex; AI missed it',
    seenAt: '2026-11-20T09:00:00.000Z',
    decidedAt: '2026-11-20T09:00:40.000Z',
  });
}

function constantRate(s: Server, opts: { rate: number; connections: number; seconds: number }): Promise<OpenLoopRun> {
  return openLoop({
    url: `${s.url}/api/v1/reviews`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
    body: reviewBody(s),
    ...opts,
  });
}

async function cannon(s: Server, opts: { rate?: number; connections: number; seconds: number }): Promise<HttpRun> {
  const body = reviewBody(s);
  const r = await autocannon({
    url: `${s.url}/api/v1/reviews`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
    body,
    connections: opts.connections,
    overallRate: opts.rate,
    duration: opts.seconds,
    timeout: 10,
  });
  return {
    requests: r.requests.total,
    rps: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    errors: r.errors,
    non2xx: r.non2xx,
    timeouts: r.timeouts,
  };
}

export interface HttpParams {
  rate: number;
  seconds: number;
  /** autocannon with `overallRate` (bursts at the start of each second), for comparison. */
  burstSeconds: number;
  /** Closed-loop run (no rate limit) to find the maximum sustained rate. */
  maxSeconds: number;
  maxConnections: number;
  warmupSeconds?: number;
  runs: number;
}

/**
 * Figure 4: POST /api/v1/reviews on the embedded SQLite default. Each run starts a fresh server
 * (fresh store) and warms it up for 2 s; then a constant-rate run (open loop, the goal's figure),
 * the same rate as autocannon paces it (per-second bursts) and a saturation run.
 */
export async function httpJob(p: HttpParams) {
  const fixed: OpenLoopRun[] = [];
  const bursts: HttpRun[] = [];
  const max: HttpRun[] = [];
  const serverRss: number[] = [];
  for (let r = 0; r < p.runs; r++) {
    const s = await startServer();
    try {
      await cannon(s, { connections: 4, seconds: p.warmupSeconds ?? 2 });
      fixed.push(await constantRate(s, { rate: p.rate, connections: 10, seconds: p.seconds }));
      bursts.push(await cannon(s, { rate: p.rate, connections: 10, seconds: p.burstSeconds }));
      max.push(await cannon(s, { connections: p.maxConnections, seconds: p.maxSeconds }));
    } finally {
      const rss = await stopServer(s);
      if (rss) serverRss.push(rss);
    }
  }
  return { fixed, bursts, max, serverPeakRssMb: Math.max(...serverRss, 0) };
}
