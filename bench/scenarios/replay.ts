import { ProjectionRunner } from '@app/event-store';
import { ReviewMonthlyRow, ReviewRow, ReviewsProjection, ReviewTimelineRow } from '@app/oversight';
import { now, peakRssMb, type Kind } from '../lib/common';
import { seedDomainEvents } from '../lib/seed-bulk';
import { openOurs, type OurStore } from '../lib/stores';
import { runAppendRun, type AppendRun } from './append';

export const REVIEW_ENTITIES = [ReviewRow, ReviewTimelineRow, ReviewMonthlyRow];

/** Reads the whole log in pages of 1,000 (what the projection runner reads). */
export async function readAllRate(o: OurStore): Promise<{ eventsPerSec: number; events: number }> {
  const t0 = now();
  let after = 0;
  let events = 0;
  for (;;) {
    const page = await o.store.readAll(after, 1000);
    if (page.length === 0) break;
    events += page.length;
    after = page[page.length - 1].globalPosition;
  }
  return { eventsPerSec: events / ((now() - t0) / 1000), events };
}

/** Blue/green rebuild of the review read models from position 0 (ProjectionRunner.rebuild). */
export async function rebuildRate(o: OurStore, runner: ProjectionRunner): Promise<{ eventsPerSec: number; events: number }> {
  const head = await o.store.headPosition();
  const t0 = now();
  await runner.rebuild('oversight-reviews');
  return { eventsPerSec: head / ((now() - t0) / 1000), events: head };
}

export async function openReviewStore(kind: Kind) {
  const o = await openOurs(kind, REVIEW_ENTITIES);
  const runner = new ProjectionRunner(o.db, o.store, [new ReviewsProjection()]);
  await runner.prepare();
  return { o, runner };
}

export interface ReplayParams {
  kind: Kind;
  events: number;
  runs: number;
}

/** Figure 3: read everything, and rebuild the review read models, over a seeded log. */
export async function replayJob(p: ReplayParams) {
  const { o, runner } = await openReviewStore(p.kind);
  try {
    const seed = await seedDomainEvents(o.db, p.events);
    const readAll: number[] = [];
    const rebuild: number[] = [];
    for (let r = 0; r < p.runs; r++) {
      readAll.push((await readAllRate(o)).eventsPerSec);
      rebuild.push((await rebuildRate(o, runner)).eventsPerSec);
    }
    const rows = await o.db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM rm_reviews');
    return { seed, readAll, rebuild, reviews: Number(rows[0].n), peakRssMb: peakRssMb() };
  } finally {
    await o.close();
  }
}

export interface GrowthParams {
  kind: Kind;
  sizes: number[];
  /** Events appended at each size per run, 100 per commit, one writer. */
  batchEvents: number;
  /** Commits per writer of the 16-writer single-event append at each size. */
  singleCommitsPerWriter: number;
  runs: number;
  /** Sizes above this get no rebuild (readAll only): too long at the measured rate. */
  rebuildMaxSize?: number;
}

/**
 * Figure 6: one store grown to each size in turn; at each size, 3 runs of: append 100 per
 * commit, append 1 per commit with 16 writers, and a full rebuild of the review read models.
 */
export async function growthJob(p: GrowthParams) {
  const { o, runner } = await openReviewStore(p.kind);
  const target = {
    label: `ours/${p.kind}`,
    append: async (stream: string, events: Parameters<typeof o.store.append>[1], expected: number | null) =>
      (await o.store.append(stream, events, { expectedRevision: expected === null ? 'no_stream' : expected })).nextExpectedRevision,
    close: () => Promise.resolve(),
  };
  /** One round at the store's current size: both appends, readAll, and (if asked) a rebuild. */
  const round = async (rebuild: boolean) => ({
    batch: await runAppendRun(target, {
      impl: 'ours',
      kind: p.kind,
      writers: 1,
      perCommit: 100,
      commitsPerWriter: Math.ceil(p.batchEvents / 100),
      runs: 1,
      events: 'domain',
    }),
    single: await runAppendRun(target, {
      impl: 'ours',
      kind: p.kind,
      writers: 16,
      perCommit: 1,
      commitsPerWriter: p.singleCommitsPerWriter,
      runs: 1,
      events: 'domain',
    }),
    readAll: (await readAllRate(o)).eventsPerSec,
    rebuild: rebuild ? await rebuildRate(o, runner) : undefined,
  });
  const steps: Array<{
    size: number;
    seedSeconds: number;
    batch: AppendRun[];
    single: AppendRun[];
    readAll: number[];
    rebuild: number[];
    rebuildEvents: number[];
  }> = [];
  try {
    // One unmeasured round first: otherwise the smallest size alone pays for a cold process (JIT,
    // first plans and statements), which reads as a cost that falls with the size of the log.
    await round(true);
    for (const size of p.sizes) {
      const head = await o.store.headPosition();
      const seed = size > head ? await seedDomainEvents(o.db, size - head) : { seconds: 0 };
      const step = {
        size,
        seedSeconds: seed.seconds,
        batch: [] as AppendRun[],
        single: [] as AppendRun[],
        readAll: [] as number[],
        rebuild: [] as number[],
        rebuildEvents: [] as number[],
      };
      for (let r = 0; r < p.runs; r++) {
        const m = await round(size <= (p.rebuildMaxSize ?? Infinity));
        step.batch.push(m.batch);
        step.single.push(m.single);
        step.readAll.push(m.readAll);
        if (m.rebuild) {
          step.rebuild.push(m.rebuild.eventsPerSec);
          step.rebuildEvents.push(m.rebuild.events);
        }
      }
      steps.push(step);
    }
    return { steps, peakRssMb: peakRssMb() };
  } finally {
    await o.close();
  }
}
