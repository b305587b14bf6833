import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** One load run's result, whichever tool made it. */
export interface HttpRun {
  /** Requests answered (any status). */
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  non2xx: number;
  timeouts: number;
}

export interface OpenLoopRun extends HttpRun {
  /** How late the generator itself sent its worst request (its own event loop), for honesty. */
  maxSendLagMs: number;
}

/**
 * Open-loop load at a constant rate: request i is due at `start + i / rate`, whatever happened
 * to the ones before, and its latency runs from when it was due, not from when a connection
 * was free to send it, so time spent queued behind a slow answer counts (no coordinated
 * omission). autocannon's `overallRate` instead lets every connection send its share of each
 * second back to back as soon as the second starts, then pause: at 200 requests/s over 10
 * connections that is a burst of 10 concurrent requests at the start of every second, not 200
 * requests a second (docs/adr/0028).
 */
export function openLoop(o: {
  url: string;
  headers: Record<string, string>;
  body: string;
  rate: number;
  seconds: number;
  connections: number;
  timeoutMs?: number;
}): Promise<OpenLoopRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections });
  const total = Math.round(o.rate * o.seconds);
  const interval = 1000 / o.rate;
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let timeouts = 0;
  let settled = 0;
  let maxSendLagMs = 0;
  const body = Buffer.from(o.body);
  const headers = { ...o.headers, 'content-length': String(body.length) };
  const start = performance.now();

  return new Promise((resolve) => {
    const done = () => {
      if (++settled < total) return;
      agent.destroy();
      const sorted = Float64Array.from(latencies).sort();
      const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);
      const elapsed = (performance.now() - start) / 1000;
      resolve({
        requests: latencies.length,
        rps: Math.round((latencies.length / elapsed) * 10) / 10,
        p50Ms: round(at(0.5)),
        p99Ms: round(at(0.99)),
        maxMs: round(sorted[sorted.length - 1] ?? NaN),
        errors,
        non2xx,
        timeouts,
        maxSendLagMs: round(maxSendLagMs),
      });
    };
    const send = (due: number) => {
      maxSendLagMs = Math.max(maxSendLagMs, performance.now() - due);
      const req = request(o.url, { method: 'POST', agent, headers, timeout: o.timeoutMs ?? 10_000 }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          latencies.push(performance.now() - due);
          if (res.statusCode! < 200 || res.statusCode! >= 300) non2xx++;
          done();
        });
      });
      let timedOut = false;
      req.on('timeout', () => {
        timedOut = true;
        timeouts++;
        req.destroy(new Error('timeout'));
      });
      req.on('error', () => {
        if (!timedOut) errors++;
        done();
      });
      req.end(body);
    };
    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) send(start + next++ * interval);
      if (next < total) setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    };
    tick();
  });
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
