import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * No query reads the log by type (projections filter the events they are given, bundles scope by
 * stream), so the `(type, global_position)` index was a fourth index to update on every append,
 * with nothing gained (ADR 0029).
 */
export class DropEventTypeIndex1765000000001 implements MigrationInterface {
  name = 'DropEventTypeIndex1765000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS ix_events_type');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX ix_events_type ON events (type, global_position)');
  }
}
