/**
 * Profiling aid: `node --cpu-prof --cpu-prof-dir=/tmp/prof -r ./bench/register.js bench/profile-append.ts sqlite 100 200`
 * appends <commits> commits of <perCommit> events with one writer and prints the rate and the
 * statements per append (counted at the TypeORM query runner).
 */
import { reviewEvent } from './lib/common';
import { openOurs } from './lib/stores';

async function main() {
  const [kind = 'sqlite', perCommit = '100', commits = '200'] = process.argv.slice(2);
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
  let rev: number | 'no_stream' = 'no_stream';
  const t0 = performance.now();
  for (let i = 0; i < Number(commits); i++) {
    const r = await o.store.append('review-profile', Array.from({ length: Number(perCommit) }, () => reviewEvent(seq++)), { expectedRevision: rev });
    rev = r.nextExpectedRevision;
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`${kind}: ${((Number(perCommit) * Number(commits)) / s).toFixed(0)} events/s, ${(statements / Number(commits)).toFixed(1)} statements per append, ${((s / Number(commits)) * 1000).toFixed(2)} ms per append`);
  await o.close();
}
main();
