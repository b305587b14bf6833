import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL group commit (ADR 0018): several appends in one statement, hence one transaction and
 * one WAL flush. Each append runs in its own exception block (a subtransaction), so a revision
 * conflict or a unique violation undoes only that append and is reported for it alone; any other
 * error aborts the whole statement and nothing of the group is stored. The steps per append are
 * those of `oversight_append` (idempotency look-up, head-row lock of ADR 0002, revision check,
 * inserts); the flat event arrays are sliced by `p_counts`.
 */
export class PgAppendGroupFunction1764900000000 implements MigrationInterface {
  name = 'PgAppendGroupFunction1764900000000';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'postgres') return;
    await q.query(appendGroupFunction(FIRST_STEPS));
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'postgres') return;
    await q.query('DROP FUNCTION IF EXISTS oversight_append_group(text[], text[], text[], text[], text[], int[], text[], text[], int[], text[], text[])');
  }
}

/** The two statements of each append that later migrations replace. */
export interface AppendGroupSteps {
  /** Sets `v_actual` to the stream's last revision (NULL for a new stream). */
  currentRevision: string;
  /** Inserts append `i`'s `v_n` events, found at offset `v_off` of the flat arrays. */
  insertEvents: string;
}

/** As first written (replaced in 1765000000000). */
const SUBSCRIPT_INSERT = `        INSERT INTO events (global_position, event_id, stream_id, stream_revision, type, schema_version, recorded_at, data, metadata)
        SELECT v_last - v_n + j, p_ids[v_off + j], v_stream, COALESCE(v_actual + 1, 0) + j - 1, p_types[v_off + j],
               p_versions[v_off + j], p_recorded[i], p_data[v_off + j], p_meta[v_off + j]
        FROM generate_series(1, v_n) AS j;`;

const FIRST_STEPS: AppendGroupSteps = {
  currentRevision: '        SELECT MAX(stream_revision) INTO v_actual FROM events WHERE stream_id = v_stream;',
  insertEvents: SUBSCRIPT_INSERT,
};

/** The text of `oversight_append_group` with the given steps. */
export function appendGroupFunction(steps: AppendGroupSteps): string {
  return `
CREATE OR REPLACE FUNCTION oversight_append_group(
  p_streams text[], p_expected text[], p_keys text[], p_hashes text[], p_recorded text[],
  p_counts int[], p_ids text[], p_types text[], p_versions int[], p_data text[], p_meta text[]
) RETURNS TABLE (item int, status text, last_position bigint, start_revision int, stored_stream text,
                 stored_hash text, stored_first bigint, stored_next int, error_code text, error_detail text,
                 error_constraint text)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_off int := 0;
  v_n int;
  v_last bigint;
  v_actual int;
  v_seen record;
  v_stream text;
  v_expected text;
  v_key text;
  v_found boolean;
BEGIN
  FOR i IN 1 .. cardinality(p_streams) LOOP
    v_n := p_counts[i];
    v_stream := p_streams[i];
    v_expected := p_expected[i];
    v_key := p_keys[i];
    item := i;
    status := 'ok'; last_position := NULL; start_revision := NULL; stored_stream := NULL; stored_hash := NULL;
    stored_first := NULL; stored_next := NULL; error_code := NULL; error_detail := NULL; error_constraint := NULL;
    BEGIN
      v_found := false;
      IF v_key IS NOT NULL THEN
        SELECT * INTO v_seen FROM idempotency_keys WHERE idempotency_key = v_key;
        v_found := FOUND;
      END IF;
      IF v_found THEN
        status := 'replay'; last_position := v_seen.last_position; stored_stream := v_seen.stream_id;
        stored_hash := v_seen.request_hash; stored_first := v_seen.first_position; stored_next := v_seen.next_revision;
      ELSE
        UPDATE event_log_head SET position = position + v_n WHERE id = 1 RETURNING position INTO v_last;
${steps.currentRevision}
        IF NOT COALESCE(v_expected = 'any'
                OR (v_expected = 'no_stream' AND v_actual IS NULL)
                OR (v_expected = 'stream_exists' AND v_actual IS NOT NULL)
                OR (v_expected ~ '^[0-9]+$' AND v_actual = v_expected::int), false) THEN
          RAISE EXCEPTION 'concurrency' USING ERRCODE = 'OR409', DETAIL = COALESCE(v_actual::text, 'none');
        END IF;
${steps.insertEvents}
        IF v_key IS NOT NULL THEN
          INSERT INTO idempotency_keys (idempotency_key, request_hash, stream_id, first_position, last_position, next_revision, recorded_at)
          VALUES (v_key, p_hashes[i], v_stream, v_last - v_n + 1, v_last, COALESCE(v_actual + 1, 0) + v_n - 1, p_recorded[i]);
        END IF;
        last_position := v_last; start_revision := COALESCE(v_actual + 1, 0);
      END IF;
    EXCEPTION WHEN unique_violation OR SQLSTATE 'OR409' THEN
      status := 'error';
      GET STACKED DIAGNOSTICS error_code = RETURNED_SQLSTATE, error_detail = PG_EXCEPTION_DETAIL,
                              error_constraint = CONSTRAINT_NAME;
    END;
    RETURN NEXT;
    v_off := v_off + v_n;
  END LOOP;
END
$fn$`;
}
