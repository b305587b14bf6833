/**
 * Profiling aid: `node --cpu-prof --cpu-prof-dir=/tmp/prof -r ./bench/register.js bench/profile-append-many.ts postgres 8 100 100`
 * runs <writers> concurrent writers, each appending <commits> commits of <perCommit> events to a
 * stream of its own, and prints the rate (group commit at work).
 */
import { reviewEvent } from './lib/common';
import { openOurs } from './lib/stores';

async function main() {
  const [kind = 'sqlite', writers = '8', perCommit = '100', commits = '50'] = process.argv.slice(2);
  const o = await openOurs(kind as 'sqlite' | 'postgres');
  let seq = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Number(writers) }, async (_, w) => {
      let rev: number | 'no_stream' = 'no_stream';
      for (let i = 0; i < Number(commits); i++) {
        const events = Array.from({ length: Number(perCommit) }, () => reviewEvent(seq++));
        const r = await o.store.append(`review-w${w}`, events, { expectedRevision: rev });
        rev = r.nextExpectedRevision;
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  console.log(`${kind}: ${((Number(writers) * Number(perCommit) * Number(commits)) / s).toFixed(0)} events/s`);
  await o.close();
}
main();
