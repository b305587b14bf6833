import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A projection that fails on an event records it on its checkpoint row, so that `/health`, the
 * metrics and `registry projections status` (a separate process) see the stall: the event's
 * position, type and stream, the sanitised error, since when and how many attempts. Cleared when
 * the projection moves past the event or is rebuilt (docs/operations.md, "A projection is stalled").
 */
export class ProjectionFailures1765200000000 implements MigrationInterface {
  name = 'ProjectionFailures1765200000000';

  async up(q: QueryRunner): Promise<void> {
    const bigint = q.connection.options.type === 'postgres' ? 'bigint' : 'integer';
    for (const column of [
      'last_error varchar(500)',
      `last_error_position ${bigint}`,
      'last_error_event_type varchar(200)',
      'last_error_stream varchar(255)',
      'failing_since varchar(32)',
      'attempts integer NOT NULL DEFAULT 0',
    ]) {
      await q.query(`ALTER TABLE projection_checkpoints ADD COLUMN ${column}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const column of ['attempts', 'failing_since', 'last_error_stream', 'last_error_event_type', 'last_error_position', 'last_error']) {
      await q.query(`ALTER TABLE projection_checkpoints DROP COLUMN ${column}`);
    }
  }
}
