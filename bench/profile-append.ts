/**
 * Profiling aid: `node --cpu-prof --cpu-prof-dir=/tmp/prof -r ./bench/register.js bench/profile-append.ts sqlite 100 200 [writers]`
 * runs <writers> concurrent writers (default 1), each appending <commits> commits of <perCommit>
 * events to a stream of its own, and prints the rate and the statements per append (counted at
 * the TypeORM query runner; with several writers, group commit shares them).
 */
import { reviewEvent } from './lib/common';
import { openOurs } from './lib/stores';

async function main() {
  const [kind = 'sqlite', perCommit = '100', commits = '200', writers = '1'] = process.argv.slice(2);
  const o = await openOurs(kind as 'sqlite' | 'postgres');
  let statements = 0;
  const runner = o.ds.createQueryRunner();
  const proto = Object.getPrototypeOf(runner) as { query: (...a: unknown[]) => Promise<unknown> };
  const original = proto.query;
  proto.query = function (this: unknown, ...a: unknown[]) {
    statements++;
    return original.apply(this, a);
  };
  let seq = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Number(writers) }, async (_, w) => {
      let rev: number | 'no_stream' = 'no_stream';
      for (let i = 0; i < Number(commits); i++) {
        const events = Array.from({ length: Number(perCommit) }, () => reviewEvent(seq++));
        const r = await o.store.append(`review-profile-${w}`, events, { expectedRevision: rev });
        rev = r.nextExpectedRevision;
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  const appends = Number(commits) * Number(writers);
  console.log(`${kind}: ${((Number(perCommit) * appends) / s).toFixed(0)} events/s, ${(statements / appends).toFixed(1)} statements per append, ${((s / Number(commits)) * 1000).toFixed(2)} ms per round of appends`);
  await o.close();
}
main();
