/**
 * Profiling aid: `node --cpu-prof --cpu-prof-dir=/tmp/prof -r ./bench/register.js bench/profile-append.ts sqlite 100 200 [writers]`
 * runs <writers> concurrent writers (default 1), each appending <commits> commits of <perCommit>
 * events to a stream of its own, and prints the rate and the statements per append (counted at
 * the TypeORM query runner; with several writers, group commit shares them).
 * `NATIVE_TIMING=1` (SQLite) also times each statement inside better-sqlite3 (`run`/`all`/`get`,
 * synchronous, so no other writer's work is counted) and prints the time per SQL text.
 */
import BetterSqlite3 from 'better-sqlite3';
import { reviewEvent } from './lib/common';
import { openOurs } from './lib/stores';

/** Wraps every statement better-sqlite3 prepares from now on; call before the store opens. */
function timeNativeStatements(): Map<string, { n: number; ms: number }> {
  const times = new Map<string, { n: number; ms: number }>();
  const proto = BetterSqlite3.prototype as unknown as { prepare: (sql: string) => Record<string, (...a: unknown[]) => unknown> };
  const prepare = proto.prepare;
  proto.prepare = function (this: unknown, sql: string) {
    const statement = prepare.call(this, sql);
    const key = sql.replace(/\s+/g, ' ').slice(0, 50);
    for (const method of ['run', 'all', 'get']) {
      const call = statement[method];
      statement[method] = (...a: unknown[]) => {
        const t = performance.now();
        try {
          return call.apply(statement, a);
        } finally {
          const s = times.get(key) ?? { n: 0, ms: 0 };
          s.n++;
          s.ms += performance.now() - t;
          times.set(key, s);
        }
      };
    }
    return statement;
  };
  return times;
}

async function main() {
  const [kind = 'sqlite', perCommit = '100', commits = '200', writers = '1'] = process.argv.slice(2);
  const native = process.env.NATIVE_TIMING ? timeNativeStatements() : undefined;
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
  console.log(
    `${kind}: ${((Number(perCommit) * appends) / s).toFixed(0)} events/s, ${(statements / appends).toFixed(1)} statements per append, ${((s / Number(commits)) * 1000).toFixed(2)} ms per round of appends`,
  );
  if (native) {
    const events = Number(perCommit) * appends;
    for (const [sql, t] of [...native].sort((a, b) => b[1].ms - a[1].ms).slice(0, 10)) {
      console.log(`${t.ms.toFixed(0).padStart(6)} ms ${String(t.n).padStart(6)}× ${((t.ms * 1000) / events).toFixed(2).padStart(6)} µs/event  ${sql}`);
    }
  }
  await o.close();
}
void main();
