import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The NEN 7513 access log (docs/adr/0010-access-log.md): append-only, hash-chained. The
 * database itself refuses UPDATE and DELETE, so not even a bug in the service can rewrite it.
 */
export class AccessLog1764710000000 implements MigrationInterface {
  name = 'AccessLog1764710000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.options.type === 'postgres';
    const bigint = pg ? 'bigint' : 'integer';
    await q.query(`CREATE TABLE access_log (
      seq ${bigint} NOT NULL PRIMARY KEY,
      entry_id varchar(36) NOT NULL,
      request_id varchar(64) NOT NULL,
      at varchar(32) NOT NULL,
      actor_subject varchar(255) NOT NULL,
      actor_role varchar(32) NOT NULL,
      action varchar(64) NOT NULL,
      data_subject varchar(128),
      resource varchar(500) NOT NULL,
      ip varchar(64),
      user_agent varchar(500),
      prev_hash varchar(64) NOT NULL,
      entry_hash varchar(64) NOT NULL,
      CONSTRAINT uq_access_log_entry UNIQUE (entry_id)
    )`);
    await q.query(`CREATE INDEX ix_access_log_subject ON access_log (data_subject, seq)`);
    await q.query(`CREATE INDEX ix_access_log_actor ON access_log (actor_subject, seq)`);
    await q.query(`CREATE INDEX ix_access_log_at ON access_log (at, seq)`);
    if (pg) {
      await q.query(`CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'access_log is append-only'; END $$`);
      await q.query(`CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON access_log
        FOR EACH ROW EXECUTE FUNCTION access_log_append_only()`);
      await q.query(`CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
        FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only()`);
    } else {
      await q.query(`CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
        BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END`);
      await q.query(`CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
        BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE access_log`);
    if (q.connection.options.type === 'postgres') await q.query(`DROP FUNCTION access_log_append_only()`);
  }
}
