import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event log and the tables that live beside it. Times are stored as ISO-8601 text so the
 * stored bytes of an envelope are exactly what was appended, on both dialects.
 */
export class EventLog1764000000000 implements MigrationInterface {
  name = 'EventLog1764000000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.options.type === 'postgres';
    const bigint = pg ? 'bigint' : 'integer';
    await q.query(`CREATE TABLE events (
      global_position ${bigint} NOT NULL PRIMARY KEY,
      event_id varchar(36) NOT NULL,
      stream_id varchar(255) NOT NULL,
      stream_revision integer NOT NULL,
      type varchar(255) NOT NULL,
      schema_version integer NOT NULL,
      recorded_at varchar(32) NOT NULL,
      data text NOT NULL,
      metadata text NOT NULL,
      CONSTRAINT uq_events_stream_revision UNIQUE (stream_id, stream_revision),
      CONSTRAINT uq_events_event_id UNIQUE (event_id)
    )`);
    await q.query(`CREATE INDEX ix_events_type ON events (type, global_position)`);
    // One row: the last assigned position. Appenders lock it first (see docs/adr/0002).
    await q.query(`CREATE TABLE event_log_head (id integer NOT NULL PRIMARY KEY, position ${bigint} NOT NULL)`);
    await q.query(`INSERT INTO event_log_head (id, position) VALUES (1, 0)`);
    await q.query(`CREATE TABLE idempotency_keys (
      idempotency_key varchar(300) NOT NULL PRIMARY KEY,
      request_hash varchar(128),
      stream_id varchar(255) NOT NULL,
      first_position ${bigint} NOT NULL,
      last_position ${bigint} NOT NULL,
      next_revision integer NOT NULL,
      recorded_at varchar(32) NOT NULL
    )`);
    await q.query(`CREATE TABLE projection_checkpoints (
      name varchar(100) NOT NULL PRIMARY KEY,
      position ${bigint} NOT NULL,
      version integer NOT NULL,
      updated_at varchar(32) NOT NULL
    )`);
    await q.query(`CREATE TABLE subject_keys (
      subject_id varchar(128) NOT NULL PRIMARY KEY,
      kid varchar(64) NOT NULL,
      wrapped_key text,
      wrapping_key_id varchar(64) NOT NULL,
      created_at varchar(32) NOT NULL,
      shredded_at varchar(32)
    )`);
    await q.query(`CREATE UNIQUE INDEX uq_subject_keys_kid ON subject_keys (kid)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['subject_keys', 'projection_checkpoints', 'idempotency_keys', 'event_log_head', 'events']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
