import { createHash } from 'node:crypto';
import { percentile } from '../lib/common';
import { type Server, startServer, stopServer } from './http';

export interface FeedParams {
  /** Batches of 1,000 outputs posted one after the other (the throughput figure). */
  bigBatches: number;
  /** Batches of 100 outputs per second, evenly spaced (the latency figure), for `seconds`. */
  rate: number;
  seconds: number;
  runs: number;
}

export interface FeedRun {
  /** Outputs recorded per second over the 1,000-output batches. */
  outputsPerSecond: number;
  bigBatchP50Ms: number;
  bigBatchMaxMs: number;
  /** 100-output batches at `rate`/s: latency from each request's due time. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  batchesPerSecond: number;
  errors: number;
}

let sequence = 0;
const digest = (s: string) => createHash('sha256').update(s).digest('hex');

/** A batch of new outputs (each reference unique in the run), as an AI system would post it. */
export function batch(s: Pick<Server, 'aiSystemId'>, size: number): string {
  const producedAt = new Date().toISOString();
  const outputs = Array.from({ length: size }, () => {
    const n = ++sequence;
    return {
      aiSystemId: s.aiSystemId,
      modelVersion: '2.3.1',
      outputReference: `pacs://studies/1.2.840.${n}/ai-report`,
      outputSha256: digest(`output ${n}`),
      patientId: `NL-${100000 + (n % 5000)}`,
      producedAt,
      urgency: n % 10 === 0 ? 'urgent' : 'routine',
      summary: 'Suspected pneumothorax, left apex',
    };
  });
  return JSON.stringify({ outputs });
}

/** Posts a batch as the AI system's bridge; the outputs recorded, or null when the server refused it. */
export async function postBatch(s: Pick<Server, 'url' | 'feedToken'>, body: string): Promise<number | null> {
  const res = await fetch(`${s.url}/api/v1/ai-outputs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.feedToken}` },
    body,
  });
  const answer = (await res.json()) as { recorded?: number };
  return res.status === 200 && typeof answer.recorded === 'number' ? answer.recorded : null;
}

const post = async (s: Server, body: string): Promise<boolean> => (await postBatch(s, body)) !== null;

/**
 * The AI-output feed on the embedded SQLite default, over real HTTP against a fresh server per
 * run: (1) 1,000-output batches back to back: outputs/s; (2) 100-output batches at a constant
 * rate (open loop: each batch is due at its slot, latency counted from then).
 */
export async function feedJob(p: FeedParams): Promise<{ runs: FeedRun[] }> {
  const runs: FeedRun[] = [];
  for (let r = 0; r < p.runs; r++) {
    const s = await startServer();
    try {
      await post(s, batch(s, 100)); // warm-up
      const big: number[] = [];
      let errors = 0;
      const t0 = performance.now();
      for (let i = 0; i < p.bigBatches; i++) {
        const body = batch(s, 1000);
        const b0 = performance.now();
        if (!(await post(s, body))) errors++;
        big.push(performance.now() - b0);
      }
      const outputsPerSecond = (p.bigBatches * 1000) / ((performance.now() - t0) / 1000);
      const latencies: number[] = [];
      const count = p.rate * p.seconds;
      const bodies = Array.from({ length: count }, () => batch(s, 100));
      const start = performance.now() + 50;
      await Promise.all(
        bodies.map(async (body, i) => {
          const due = start + (i * 1000) / p.rate;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((w) => setTimeout(w, wait));
          const ok = await post(s, body).catch(() => false);
          if (!ok) errors++;
          latencies.push(performance.now() - due);
        }),
      );
      const elapsed = (performance.now() - start) / 1000;
      big.sort((a, b) => a - b);
      latencies.sort((a, b) => a - b);
      runs.push({
        outputsPerSecond,
        bigBatchP50Ms: percentile(big, 50),
        bigBatchMaxMs: big[big.length - 1],
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: latencies[latencies.length - 1],
        batchesPerSecond: count / elapsed,
        errors,
      });
    } finally {
      await stopServer(s);
    }
  }
  return { runs };
}
