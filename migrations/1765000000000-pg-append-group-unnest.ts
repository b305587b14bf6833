import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appendGroupFunction, type AppendGroupSteps, PgAppendGroupFunction1764900000000 } from './1764900000000-pg-append-group-function';

/**
 * Two steps of `oversight_append_group` rewritten (ADR 0029):
 * - each append's events are read as one slice of the flat arrays, unnested with their ordinal,
 *   instead of one subscript per column and event: an element of a text array is found by walking
 *   the array from its start, so the subscripts made a group's insert grow with the square of its
 *   size (8 appends of 100 events: 19 → 11 µs per event on the server);
 * - the stream's last revision is read as the first entry of a backward scan of
 *   `(stream_id, stream_revision)`: the function's plan is cached per connection, and `MAX()`
 *   planned while the table was still empty stayed an aggregate over the whole stream.
 */
const STEPS: AppendGroupSteps = {
  currentRevision: `        v_actual := (SELECT stream_revision FROM events WHERE stream_id = v_stream
                     ORDER BY stream_revision DESC LIMIT 1);`,
  insertEvents: `        INSERT INTO events (global_position, event_id, stream_id, stream_revision, type, schema_version, recorded_at, data, metadata)
        SELECT v_last - v_n + t.j, t.id, v_stream, COALESCE(v_actual + 1, 0) + t.j::int - 1, t.ty, t.ver, p_recorded[i], t.d, t.m
        FROM unnest(p_ids[v_off + 1 : v_off + v_n], p_types[v_off + 1 : v_off + v_n], p_versions[v_off + 1 : v_off + v_n],
                    p_data[v_off + 1 : v_off + v_n], p_meta[v_off + 1 : v_off + v_n]) WITH ORDINALITY AS t(id, ty, ver, d, m, j);`,
};

export class PgAppendGroupUnnest1765000000000 implements MigrationInterface {
  name = 'PgAppendGroupUnnest1765000000000';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'postgres') return;
    await q.query(appendGroupFunction(STEPS));
  }

  async down(q: QueryRunner): Promise<void> {
    await new PgAppendGroupFunction1764900000000().up(q);
  }
}
