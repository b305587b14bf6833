import type { DataSource } from 'typeorm';
import type { ProjectionRunner } from '@app/event-store';

/** Every row of every table of every projection, in a stable order, for equality checks. */
export async function snapshotReadModels(ds: DataSource, runner: ProjectionRunner): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const p of runner.projections) {
    for (const entity of p.entities) {
      const meta = ds.getMetadata(entity);
      const order = meta.primaryColumns.map((c) => `"${c.databaseName}"`).join(', ');
      const rows: Record<string, unknown>[] = await ds.query(`SELECT * FROM "${meta.tableName}" ORDER BY ${order}`);
      out[meta.tableName] = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
    }
  }
  return out;
}
