import type { DataSource, EntityMetadata } from 'typeorm';
import type { SqlTx } from '../sql/sql-database';
import type { EntityClass, ProjectionContext, RowValues } from './projection';

/** Maps entity property names to columns and values to what both drivers bind. */
export class SqlProjectionContext implements ProjectionContext {
  constructor(
    readonly tx: SqlTx,
    private readonly dataSource: DataSource,
    private readonly tables: Map<EntityClass, string>,
  ) {}

  table(entity: EntityClass): string {
    const name = this.tables.get(entity);
    if (!name) throw new Error(`Entity ${entity.name} is not part of this projection`);
    return this.tx.dialect.ident(name);
  }

  column(entity: EntityClass, property: string): string {
    return this.tx.dialect.ident(columnName(this.meta(entity), property));
  }

  private meta(entity: EntityClass): EntityMetadata {
    return this.dataSource.getMetadata(entity);
  }

  private bind(value: unknown): unknown {
    if (value === undefined) return null;
    if (typeof value === 'boolean') return this.tx.dialect.kind === 'sqlite' ? (value ? 1 : 0) : value;
    if (value instanceof Date) return value.toISOString();
    if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) return JSON.stringify(value);
    return value;
  }

  async insert(entity: EntityClass, rows: RowValues | RowValues[]): Promise<void> {
    const list = Array.isArray(rows) ? rows : [rows];
    if (list.length === 0) return;
    const props = Object.keys(list[0]);
    const cols = props.map((p) => this.column(entity, p)).join(', ');
    // Chunked so the parameter count stays below SQLite's and PostgreSQL's limits.
    const chunk = Math.max(1, Math.floor(5000 / props.length));
    for (let i = 0; i < list.length; i += chunk) {
      const part = list.slice(i, i + chunk);
      const values = part.map(() => `(${props.map(() => '?').join(', ')})`).join(', ');
      await this.tx.query(
        `INSERT INTO ${this.table(entity)} (${cols}) VALUES ${values}`,
        part.flatMap((r) => props.map((p) => this.bind(r[p]))),
      );
    }
  }

  async upsert(entity: EntityClass, row: RowValues, keys: string[]): Promise<void> {
    const props = Object.keys(row);
    const updates = props.filter((p) => !keys.includes(p));
    const set = updates.length
      ? `DO UPDATE SET ${updates.map((p) => `${this.column(entity, p)} = excluded.${this.column(entity, p)}`).join(', ')}`
      : 'DO NOTHING';
    await this.tx.query(
      `INSERT INTO ${this.table(entity)} (${props.map((p) => this.column(entity, p)).join(', ')})
       VALUES (${props.map(() => '?').join(', ')})
       ON CONFLICT (${keys.map((k) => this.column(entity, k)).join(', ')}) ${set}`,
      props.map((p) => this.bind(row[p])),
    );
  }

  async update(entity: EntityClass, set: RowValues, where: RowValues): Promise<void> {
    const s = Object.keys(set);
    const w = Object.keys(where);
    await this.tx.query(
      `UPDATE ${this.table(entity)} SET ${s.map((p) => `${this.column(entity, p)} = ?`).join(', ')}
       WHERE ${w.map((p) => `${this.column(entity, p)} = ?`).join(' AND ')}`,
      [...s.map((p) => this.bind(set[p])), ...w.map((p) => this.bind(where[p]))],
    );
  }

  async increment(
    entity: EntityClass,
    key: RowValues,
    by: Record<string, number>,
    insertDefaults: RowValues = {},
  ): Promise<void> {
    const keys = Object.keys(key);
    const row: RowValues = { ...insertDefaults, ...key, ...by };
    const props = Object.keys(row);
    const t = this.table(entity);
    await this.tx.query(
      `INSERT INTO ${t} (${props.map((p) => this.column(entity, p)).join(', ')})
       VALUES (${props.map(() => '?').join(', ')})
       ON CONFLICT (${keys.map((k) => this.column(entity, k)).join(', ')}) DO UPDATE SET
       ${Object.keys(by)
         .map((p) => `${this.column(entity, p)} = ${t}.${this.column(entity, p)} + excluded.${this.column(entity, p)}`)
         .join(', ')}`,
      props.map((p) => this.bind(row[p])),
    );
  }

  async find<T = RowValues>(entity: EntityClass, where: RowValues): Promise<T | undefined> {
    const meta = this.meta(entity);
    const w = Object.keys(where);
    const cols = meta.columns
      .map((c) => `${this.tx.dialect.ident(c.databaseName)} AS ${this.tx.dialect.ident(c.propertyName)}`)
      .join(', ');
    const [row] = await this.tx.query(
      `SELECT ${cols} FROM ${this.table(entity)} WHERE ${w.map((p) => `${this.column(entity, p)} = ?`).join(' AND ')}`,
      w.map((p) => this.bind(where[p])),
    );
    if (!row) return undefined;
    for (const c of meta.columns) {
      const v = row[c.propertyName];
      if (c.type === 'simple-json' && typeof v === 'string') row[c.propertyName] = JSON.parse(v);
      else if (c.type === Boolean || c.type === 'boolean') row[c.propertyName] = v === null ? null : Boolean(v);
      else if (typeof v === 'string' && /^-?\d+$/.test(v) && (c.type === 'bigint' || c.type === Number || c.type === 'integer'))
        row[c.propertyName] = Number(v);
    }
    return row as T;
  }
}

function columnName(meta: EntityMetadata, property: string): string {
  const col = meta.findColumnWithPropertyName(property);
  if (!col) throw new Error(`${meta.name} has no column for property "${property}"`);
  return col.databaseName;
}
