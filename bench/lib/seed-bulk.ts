import { v7 as uuidv7 } from 'uuid';
import { type EventMetadata, leafFormatSetting, type SqlDatabase, withCommitmentSeed } from '@app/event-store';
import { reviewStream, seededSystemData } from '../../test/support/seed';

/**
 * Fills an empty or growing log with N domain-shaped events, fast: the same event mix as
 * test/support/seed.ts (AI systems; reviews across 12 months; every 5th corrected, every 11th
 * withdrawn, every 13th linked to an incident), written as the envelopes the store writes, with
 * multi-row INSERTs of 1,000 rows per transaction, and the head row moved along.
 * This is set-up, never measured: it bypasses the append path on purpose (a million one-review
 * commits would take many minutes on PostgreSQL).
 * With LEDGER_LEAF_FORMAT=2 each event gets its commitment seed, as the store writes it (ADR 0039).
 */
const COLUMNS = 'global_position, event_id, stream_id, stream_revision, type, schema_version, recorded_at, data, metadata';
const ROWS_PER_INSERT = 1000;

type Row = [number, string, string, number, string, number, string, string, string];

const leafFormat = leafFormatSetting();
const metadata = (m: EventMetadata) => JSON.stringify(withCommitmentSeed(m, leafFormat));

function* domainEvents(startReview: number, systems: string[]) {
  for (let i = startReview; ; i++) {
    const { reviewId, reviewer, events } = reviewStream(i, systems);
    const stream = `review-${reviewId}`;
    yield* events.map((e, rev) => ({ stream, rev, type: e.type, data: JSON.stringify(e.data), meta: metadata({ actor: reviewer }) }));
  }
}

export interface SeedResult {
  events: number;
  seconds: number;
  avgDataBytes: number;
}

/** Appends at least `count` events (whole review streams) after the current head. */
export async function seedDomainEvents(db: SqlDatabase, count: number): Promise<SeedResult> {
  const t0 = performance.now();
  const [head] = await db.query<{ position: number | string }>('SELECT position FROM event_log_head WHERE id = 1');
  let position = Number(head.position);
  const recordedAt = new Date().toISOString();
  let written = 0;
  let dataBytes = 0;
  if (position === 0) {
    // Three AI systems, as the seed does (the review projection ignores them).
    const systems = [uuidv7(), uuidv7(), uuidv7()];
    await insertRows(
      db,
      systems.map((id, n) => [
        ++position,
        uuidv7(),
        `ai-system-${id}`,
        0,
        'ai-systems.AiSystemRegistered',
        1,
        recordedAt,
        JSON.stringify(seededSystemData(id, `System ${n}`)),
        metadata({ actor: { subject: 'seed-admin', role: 'admin' } }),
      ]),
    );
    written += 3;
    seedSystems = systems;
  }
  const gen = domainEvents(position, seedSystems ?? [uuidv7(), uuidv7(), uuidv7()]);
  let batch: Row[] = [];
  let lastStream = '';
  for (;;) {
    const e = gen.next().value!;
    // Stop only at a stream boundary once enough are written, so no review is half-seeded.
    if (written >= count && e.stream !== lastStream) break;
    lastStream = e.stream;
    dataBytes += e.data.length;
    batch.push([++position, uuidv7(), e.stream, e.rev, e.type, 1, recordedAt, e.data, e.meta]);
    written++;
    if (batch.length === ROWS_PER_INSERT * 5) {
      await insertRows(db, batch);
      batch = [];
    }
  }
  if (batch.length) await insertRows(db, batch);
  await db.transaction((tx) => tx.query('UPDATE event_log_head SET position = ? WHERE id = 1', [position]));
  return { events: written, seconds: (performance.now() - t0) / 1000, avgDataBytes: Math.round(dataBytes / Math.max(1, written - 3)) };
}

let seedSystems: string[] | undefined;

async function insertRows(db: SqlDatabase, rows: Row[]) {
  await db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const part = rows.slice(i, i + ROWS_PER_INSERT);
      const values = part.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
      await tx.query(`INSERT INTO events (${COLUMNS}) VALUES ${values}`, part.flat());
    }
  });
}
