import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL: one append = one round trip. The function runs as one statement (its own
 * transaction): idempotency look-up, the head-row lock that orders the log (ADR 0002), the
 * revision check, the inserts. Texts arrive as arrays so the stored bytes are exactly the
 * client's JSON (jsonb would reorder keys). SQLite keeps its in-process path.
 */
export class PgAppendFunction1764800000000 implements MigrationInterface {
  name = 'PgAppendFunction1764800000000';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'postgres') return;
    await q.query(`
CREATE OR REPLACE FUNCTION oversight_append(
  p_stream text, p_expected text, p_key text, p_hash text, p_recorded text,
  p_ids text[], p_types text[], p_versions int[], p_data text[], p_meta text[]
) RETURNS TABLE (status text, last_position bigint, start_revision int, stored_stream text, stored_hash text,
                 stored_first bigint, stored_next int)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_n int := cardinality(p_ids);
  v_last bigint;
  v_actual int;
  v_seen record;
BEGIN
  IF p_key IS NOT NULL THEN
    SELECT * INTO v_seen FROM idempotency_keys WHERE idempotency_key = p_key;
    IF FOUND THEN
      RETURN QUERY SELECT 'replay'::text, v_seen.last_position, NULL::int, v_seen.stream_id::text,
        v_seen.request_hash::text, v_seen.first_position, v_seen.next_revision;
      RETURN;
    END IF;
  END IF;
  UPDATE event_log_head SET position = position + v_n WHERE id = 1 RETURNING position INTO v_last;
  SELECT MAX(stream_revision) INTO v_actual FROM events WHERE stream_id = p_stream;
  -- COALESCE: a number expected on a stream that does not exist compares with NULL.
  IF NOT COALESCE(p_expected = 'any'
          OR (p_expected = 'no_stream' AND v_actual IS NULL)
          OR (p_expected = 'stream_exists' AND v_actual IS NOT NULL)
          OR (p_expected ~ '^[0-9]+$' AND v_actual = p_expected::int), false) THEN
    RAISE EXCEPTION 'concurrency' USING ERRCODE = 'OR409', DETAIL = COALESCE(v_actual::text, 'none');
  END IF;
  INSERT INTO events (global_position, event_id, stream_id, stream_revision, type, schema_version, recorded_at, data, metadata)
  SELECT v_last - v_n + i, p_ids[i], p_stream, COALESCE(v_actual + 1, 0) + i - 1, p_types[i], p_versions[i], p_recorded, p_data[i], p_meta[i]
  FROM generate_subscripts(p_ids, 1) AS i;
  IF p_key IS NOT NULL THEN
    INSERT INTO idempotency_keys (idempotency_key, request_hash, stream_id, first_position, last_position, next_revision, recorded_at)
    VALUES (p_key, p_hash, p_stream, v_last - v_n + 1, v_last, COALESCE(v_actual + 1, 0) + v_n - 1, p_recorded);
  END IF;
  RETURN QUERY SELECT 'ok'::text, v_last, COALESCE(v_actual + 1, 0), NULL::text, NULL::text, NULL::bigint, NULL::int;
END
$fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'postgres') return;
    await q.query('DROP FUNCTION IF EXISTS oversight_append(text, text, text, text, text, text[], text[], int[], text[], text[])');
  }
}
