import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bundle export jobs and their progress, in the database rather than in the process that runs
 * them: with several instances every one answers the same for a job, running, done or failed
 * (issue 22, item 9). The recorded export itself stays an event (BundleExported).
 */
export class BundleExportJobs1765310000000 implements MigrationInterface {
  name = 'BundleExportJobs1765310000000';

  async up(q: QueryRunner): Promise<void> {
    const bigint = q.connection.options.type === 'postgres' ? 'bigint' : 'integer';
    await q.query(`CREATE TABLE bundle_export_jobs (
      bundle_id varchar(64) NOT NULL PRIMARY KEY,
      request_id varchar(64) NOT NULL,
      status varchar(16) NOT NULL,
      progress text NOT NULL,
      started_at varchar(32) NOT NULL,
      finished_at varchar(32),
      bundle_sha256 varchar(64),
      byte_size ${bigint},
      event_count ${bigint},
      error varchar(1000)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE bundle_export_jobs');
  }
}
