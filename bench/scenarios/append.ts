import { v7 as uuidv7 } from 'uuid';
import { domainReviewEvent, jsonBytes, now, parallel, peakRssMb, percentile, reviewEvent, type Kind } from '../lib/common';
import { openTarget, type AppendTarget, type Impl } from '../lib/stores';

export interface AppendParams {
  impl: Impl;
  kind: Kind;
  writers: number;
  perCommit: number;
  commitsPerWriter: number;
  runs: number;
  /** Emmett SQLite: shared connection + caller-side queue (see openTarget). */
  serialised?: boolean;
  /** `domain`: full reviews the projection can replay (growth); default: the compact review. */
  events?: 'compact' | 'domain';
}

export interface AppendRun {
  eventsPerSec: number;
  commitP50Ms: number;
  commitP99Ms: number;
  errors: number;
  firstError?: string;
}

/**
 * `writers` concurrent loops, each appending `commitsPerWriter` commits of `perCommit` events
 * to its own stream with optimistic concurrency (expected revision = the last one it wrote).
 * Every run starts on a fresh, empty store.
 */
export async function runAppendRun(target: AppendTarget, p: AppendParams): Promise<AppendRun> {
  let seq = 0;
  const make = p.events === 'domain' ? domainReviewEvent : reviewEvent;
  const batch = () => Array.from({ length: p.perCommit }, () => make(seq++));
  // Warm-up (not timed): pools, prepared plans, JIT.
  let warmupErrors = 0;
  for (let i = 0; i < 5; i++) await target.append(`review-${uuidv7()}`, batch(), null).catch(() => warmupErrors++);
  const streams = Array.from({ length: p.writers }, () => `review-${uuidv7()}`);
  const expected: Array<number | null> = streams.map(() => null);
  // Every commit's events are made before the clock starts: the figure is the store's rate, not
  // the benchmark's own JSON and UUID work (the same for every implementation).
  const batches = Array.from({ length: p.writers * p.commitsPerWriter }, batch);
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let done = 0;
  const t0 = now();
  await parallel(p.writers, p.commitsPerWriter, async (w) => {
    const events = batches.pop()!;
    const s = now();
    try {
      expected[w] = await target.append(streams[w], events, expected[w]);
      done += events.length;
    } catch (err) {
      errors++;
      firstError ??= String((err as Error)?.message ?? err).slice(0, 200);
    }
    latencies.push(now() - s);
  });
  const seconds = (now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  if (warmupErrors) firstError ??= `${warmupErrors} warm-up appends failed`;
  return {
    eventsPerSec: done / seconds,
    commitP50Ms: percentile(latencies, 50),
    commitP99Ms: percentile(latencies, 99),
    errors,
    firstError,
  };
}

export interface Variant {
  impl: Impl;
  kind: Kind;
  serialised?: boolean;
  /** Overrides the job's commitsPerWriter (e.g. a variant that mostly fails). */
  commitsPerWriter?: number;
}

/**
 * Runs every variant once per round, `runs` rounds, so ours and Emmett's see the same machine
 * conditions (this machine is shared; interleaving keeps the comparison fair).
 */
export async function appendJob(p: Omit<AppendParams, 'impl' | 'kind' | 'serialised'> & { variants: Variant[] }) {
  const out: Record<string, AppendRun[]> = {};
  for (let r = 0; r < p.runs; r++) {
    for (const v of p.variants) {
      const params = { ...p, ...v, commitsPerWriter: v.commitsPerWriter ?? p.commitsPerWriter };
      const label = `${v.impl}/${v.kind}${v.serialised ? ' (serialised)' : ''}`;
      try {
        const target = await openTarget(v.impl, v.kind, v.serialised);
        try {
          (out[label] ??= []).push(await runAppendRun(target, params));
        } finally {
          await target.close();
        }
      } catch (err) {
        // A store that fails outright still gets its row: 0 events/s and the error.
        const message = String((err as Error)?.message ?? err).slice(0, 200);
        (out[label] ??= []).push({ eventsPerSec: 0, commitP50Ms: NaN, commitP99Ms: NaN, errors: 1, firstError: message });
      }
    }
  }
  const sample = reviewEvent(0);
  return { variants: out, peakRssMb: peakRssMb(), eventDataBytes: jsonBytes(sample.data), eventMetadataBytes: jsonBytes(sample.metadata) };
}
