/**
 * What SQLite and the disk give on their own, for reading figure 2 on SQLite (BENCHMARKS.md):
 * `node -r ./bench/register.js bench/sqlite-floor.ts [commits] [pageSize]`
 *
 * 1. Plain better-sqlite3, no store code: `commits` transactions of 100 rows into a table shaped
 *    like `events` (the migration's columns, UUID v7 ids, the review events of figure 3), with
 *    `synchronous=OFF` (no flush at all), with no index, the stream index, and both unique
 *    indexes: SQLite's own cost per row, in µs, and per 100-row commit.
 * 2. The flush: an 80 KB append to a file and an `fdatasync` of it, as a 100-event commit's WAL
 *    write, repeated `commits` times: p50 and p90 in ms.
 */
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { domainReviewEvent, percentile, tempDir } from './lib/common';

const COLUMNS = `global_position integer NOT NULL PRIMARY KEY, event_id varchar(36) NOT NULL, stream_id varchar(255) NOT NULL,
  stream_revision integer NOT NULL, type varchar(255) NOT NULL, schema_version integer NOT NULL, recorded_at varchar(32) NOT NULL,
  data text NOT NULL, metadata text NOT NULL`;
const INDEXES: Record<string, string> = {
  'no index': '',
  'stream index': ', UNIQUE (stream_id, stream_revision)',
  'both unique indexes (as `events`)': ', UNIQUE (stream_id, stream_revision), UNIQUE (event_id)',
};

function inserts(dir: string, label: string, commits: number, pageSize: number | undefined, report = true): void {
  const db = new BetterSqlite3(join(dir, `${label.replace(/\W+/g, '-')}${report ? '' : '-warm-up'}.sqlite`));
  if (pageSize) db.pragma(`page_size = ${pageSize}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.exec(`CREATE TABLE events (${COLUMNS}${INDEXES[label]})`);
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const commit = db.transaction((rows: unknown[][]) => {
    for (const r of rows) insert.run(r);
  });
  let position = 0;
  let bytes = 0;
  let ns = 0n;
  for (let c = 0; c < commits; c++) {
    const rows = Array.from({ length: 100 }, () => {
      const e = domainReviewEvent(position);
      const row = [++position, uuidv7(), 'review-floor', position - 1, e.type, 1, new Date().toISOString(), JSON.stringify(e.data), JSON.stringify(e.metadata)];
      bytes += (row[7] as string).length + (row[8] as string).length;
      return row;
    });
    const t = process.hrtime.bigint();
    commit.immediate(rows);
    ns += process.hrtime.bigint() - t;
  }
  db.close();
  if (!report) return;
  const perRow = Number(ns) / 1e3 / position;
  console.log(
    `inserts, synchronous=OFF, ${label}${pageSize ? `, page_size ${pageSize}` : ''}: ${perRow.toFixed(2)} µs per row, ${((perRow * 100) / 1000).toFixed(2)} ms per 100-row commit (${Math.round(bytes / position)} B of JSON per row)`,
  );
}

function flushes(dir: string, commits: number): void {
  const fd = openSync(join(dir, 'wal-like'), 'w');
  const chunk = Buffer.alloc(80 * 1024, 1);
  const ms: number[] = [];
  try {
    for (let c = 0; c < commits; c++) {
      writeSync(fd, chunk);
      const t = process.hrtime.bigint();
      fdatasyncSync(fd);
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  } finally {
    closeSync(fd);
  }
  ms.sort((a, b) => a - b);
  console.log(`fdatasync after an 80 KB append: p50 ${percentile(ms, 50).toFixed(2)} ms, p90 ${percentile(ms, 90).toFixed(2)} ms (${commits} flushes)`);
}

const [commits = '300', pageSize] = process.argv.slice(2);
const tmp = tempDir('bench-sqlite-floor-');
try {
  // A discarded first round: JIT and the first file's creation would otherwise count against the first configuration.
  inserts(tmp.dir, 'no index', 30, undefined, false);
  for (const label of Object.keys(INDEXES)) inserts(tmp.dir, label, Number(commits), pageSize ? Number(pageSize) : undefined);
  flushes(tmp.dir, Number(commits));
} finally {
  tmp.cleanup();
}
