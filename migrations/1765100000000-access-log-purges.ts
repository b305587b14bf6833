import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Access-log retention (docs/adr/0033-access-log-retention.md). A purge is recorded first, in
 * `access_log_purges` (append-only itself): the last purged entry's hash becomes the anchor the
 * remaining chain is verified from. The database still refuses every UPDATE and TRUNCATE of
 * `access_log`, and every DELETE of an entry that no recorded purge covers.
 */
export class AccessLogPurges1765100000000 implements MigrationInterface {
  name = 'AccessLogPurges1765100000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.options.type === 'postgres';
    const bigint = pg ? 'bigint' : 'integer';
    await q.query(`CREATE TABLE access_log_purges (
      through_seq ${bigint} NOT NULL PRIMARY KEY,
      anchor_hash varchar(64) NOT NULL,
      entries integer NOT NULL,
      purged_before varchar(32) NOT NULL,
      purged_at varchar(32) NOT NULL,
      actor_subject varchar(255) NOT NULL,
      reason varchar(500)
    )`);
    if (pg) {
      await q.query('DROP TRIGGER access_log_no_change ON access_log');
      await q.query(`CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
        FOR EACH ROW EXECUTE FUNCTION access_log_append_only()`);
      await q.query(`CREATE FUNCTION access_log_purged_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM access_log_purges WHERE through_seq >= OLD.seq) THEN RETURN OLD; END IF;
          RAISE EXCEPTION 'access_log is append-only';
        END $$`);
      await q.query(`CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
        FOR EACH ROW EXECUTE FUNCTION access_log_purged_only()`);
      await q.query(`CREATE TRIGGER access_log_purges_no_change BEFORE UPDATE OR DELETE ON access_log_purges
        FOR EACH ROW EXECUTE FUNCTION access_log_append_only()`);
      await q.query(`CREATE TRIGGER access_log_purges_no_truncate BEFORE TRUNCATE ON access_log_purges
        FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only()`);
    } else {
      await q.query('DROP TRIGGER access_log_no_delete');
      await q.query(`CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
        WHEN NOT EXISTS (SELECT 1 FROM access_log_purges WHERE through_seq >= OLD.seq)
        BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END`);
      await q.query(`CREATE TRIGGER access_log_purges_no_update BEFORE UPDATE ON access_log_purges
        BEGIN SELECT RAISE(ABORT, 'access_log_purges is append-only'); END`);
      await q.query(`CREATE TRIGGER access_log_purges_no_delete BEFORE DELETE ON access_log_purges
        BEGIN SELECT RAISE(ABORT, 'access_log_purges is append-only'); END`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    const pg = q.connection.options.type === 'postgres';
    await q.query('DROP TABLE access_log_purges');
    if (pg) {
      await q.query('DROP TRIGGER access_log_no_delete ON access_log');
      await q.query('DROP FUNCTION access_log_purged_only()');
      await q.query('DROP TRIGGER access_log_no_update ON access_log');
      await q.query(`CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON access_log
        FOR EACH ROW EXECUTE FUNCTION access_log_append_only()`);
    } else {
      await q.query('DROP TRIGGER access_log_no_delete');
      await q.query(`CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
        BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END`);
    }
  }
}
