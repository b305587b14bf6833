/**
 * Profiling aid: `node --cpu-prof --cpu-prof-dir=/tmp/prof -r ./bench/register.js bench/profile-rebuild.ts sqlite 50000 3 [rebuildBatchSize]`
 * seeds <events> domain events, rebuilds the review read models <runs> times and prints per run
 * the rate and this process's CPU time (user+sys) per event, then the statement time by kind.
 * On a shared machine compare CPU time, back to back (PostgreSQL's own CPU is not included).
 * `PRAGMAS='cache_size=-65536;…'` sets SQLite pragmas on the connection first (experiments).
 * `CPU_PROFILE=/tmp/rebuild.cpuprofile` profiles the rebuilds only (not the seeding or start-up),
 * without the statement timing (its wrapper costs a few µs per event: it would be in the profile).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { seedDomainEvents } from './lib/seed-bulk';
import { ProjectionRunner } from '@app/event-store';
import { ReviewsProjection } from '@app/oversight';
import { openReviewStore } from './scenarios/replay';

async function main() {
  const [kind = 'sqlite', events = '50000', runs = '3', rebuildBatchSize] = process.argv.slice(2);
  const { o } = await openReviewStore(kind as 'sqlite' | 'postgres');
  const runner = new ProjectionRunner(o.db, o.store, [new ReviewsProjection()], rebuildBatchSize ? { rebuildBatchSize: Number(rebuildBatchSize) } : {});
  try {
    await seedDomainEvents(o.db, Number(events));
    const head = await o.store.headPosition();
    // Statement time by kind (first words of the SQL), counted at the TypeORM query runner.
    const stmts = new Map<string, { n: number; ms: number }>();
    const proto = Object.getPrototypeOf(o.ds.createQueryRunner()) as { query: (...a: unknown[]) => Promise<unknown> };
    const original = proto.query;
    if (!process.env.CPU_PROFILE)
      proto.query = async function (this: unknown, ...a: unknown[]) {
        const k = String(a[0])
          .replace(/\s+/g, ' ')
          .replace(/"[a-z_]+__r[a-z0-9]+"/g, '"…"')
          .slice(0, 60);
        const t = performance.now();
        try {
          return await original.apply(this, a);
        } finally {
          const s = stmts.get(k) ?? { n: 0, ms: 0 };
          s.n++;
          s.ms += performance.now() - t;
          stmts.set(k, s);
        }
      };
    for (const pragma of (process.env.PRAGMAS ?? '').split(';').filter(Boolean)) await o.db.query(`PRAGMA ${pragma}`);
    const profiler = process.env.CPU_PROFILE ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    for (let r = 0; r < Number(runs); r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await runner.rebuild('oversight-reviews');
      const s = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      const cpuUs = c.user + c.system;
      console.log(
        `${kind} run ${r + 1}: ${head} events, ${(head / s).toFixed(0)} events/s wall, ${(cpuUs / head).toFixed(1)} µs CPU/event (client), ${((s * 1e6) / head).toFixed(1)} µs wall/event`,
      );
    }
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(process.env.CPU_PROFILE!, JSON.stringify(profile));
    }
    for (const [k, v] of [...stmts].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) {
      console.log(`${v.ms.toFixed(0).padStart(7)} ms ${String(v.n).padStart(6)}× ${k}`);
    }
  } finally {
    await o.close();
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
