import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The ledger beside the log: leaf hashes in log order, signed tree heads, signing keys. */
export class Ledger1764100000000 implements MigrationInterface {
  name = 'Ledger1764100000000';

  async up(q: QueryRunner): Promise<void> {
    const bigint = q.connection.options.type === 'postgres' ? 'bigint' : 'integer';
    await q.query(`CREATE TABLE ledger_leaves (
      leaf_index ${bigint} NOT NULL PRIMARY KEY,
      position ${bigint} NOT NULL,
      leaf_hash varchar(64) NOT NULL,
      CONSTRAINT uq_ledger_leaves_position UNIQUE (position)
    )`);
    await q.query(`CREATE TABLE ledger_checkpoints (
      tree_size ${bigint} NOT NULL PRIMARY KEY,
      root_hash varchar(64) NOT NULL,
      issued_at varchar(32) NOT NULL,
      key_id varchar(100) NOT NULL,
      body text NOT NULL,
      signature text NOT NULL
    )`);
    await q.query(`CREATE TABLE ledger_keys (
      key_id varchar(100) NOT NULL PRIMARY KEY,
      public_key_pem text NOT NULL,
      activated_at varchar(32) NOT NULL,
      retired_at varchar(32)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['ledger_keys', 'ledger_checkpoints', 'ledger_leaves']) await q.query(`DROP TABLE ${t}`);
  }
}
