import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * External anchors of signed tree heads (issue 22, build 3): each RFC 3161 TimeStampToken with
 * the checkpoint it time-stamps. Append-only: a trigger refuses UPDATE and DELETE on both stores
 * (and TRUNCATE on PostgreSQL), so a token once stored stays what the TSA signed.
 */
export class LedgerAnchors1765400000000 implements MigrationInterface {
  name = 'LedgerAnchors1765400000000';

  async up(q: QueryRunner): Promise<void> {
    const postgres = q.connection.options.type === 'postgres';
    const bigint = postgres ? 'bigint' : 'integer';
    await q.query(`CREATE TABLE ledger_anchors (
      anchor_id varchar(64) NOT NULL PRIMARY KEY,
      tree_size ${bigint} NOT NULL,
      root_hash varchar(64) NOT NULL,
      checkpoint text NOT NULL,
      kind varchar(16) NOT NULL,
      authority varchar(500) NOT NULL,
      gen_time varchar(32) NOT NULL,
      token text NOT NULL,
      recorded_at varchar(32) NOT NULL
    )`);
    await q.query('CREATE INDEX ix_ledger_anchors_tree_size ON ledger_anchors (tree_size)');
    if (postgres) {
      await q.query(`CREATE FUNCTION ledger_anchors_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'ledger_anchors is append-only'; END $$`);
      await q.query(`CREATE TRIGGER ledger_anchors_append_only BEFORE UPDATE OR DELETE ON ledger_anchors
        FOR EACH ROW EXECUTE FUNCTION ledger_anchors_append_only()`);
      await q.query(`CREATE TRIGGER ledger_anchors_no_truncate BEFORE TRUNCATE ON ledger_anchors
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_anchors_append_only()`);
    } else {
      for (const op of ['UPDATE', 'DELETE']) {
        await q.query(`CREATE TRIGGER ledger_anchors_no_${op.toLowerCase()} BEFORE ${op} ON ledger_anchors
          BEGIN SELECT RAISE(ABORT, 'ledger_anchors is append-only'); END`);
      }
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE ledger_anchors');
    if (q.connection.options.type === 'postgres') await q.query('DROP FUNCTION ledger_anchors_append_only()');
  }
}
