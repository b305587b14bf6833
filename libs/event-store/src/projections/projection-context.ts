import type { DataSource, EntityMetadata } from 'typeorm';
import { CopyText } from '../sql/copy-text';
import { valuesStatement } from '../sql/values-statement';
import type { SqlTx } from '../sql/sql-database';
import type { EntityClass, ProjectionContext, RowValues } from './projection';

/**
 * `stored`: whether the row may exist in the table. False for a row the projection inserted or
 * that a look-up found missing in this transaction: it is written with a plain INSERT (on
 * PostgreSQL an upsert costs about twice as much: speculative insertion), and a duplicate
 * `insert` fails instead of silently overwriting.
 */
type Cached = { row: RowValues | null; dirty: boolean; stored: boolean };

/**
 * New rows from this many on go to PostgreSQL by COPY (rebuilds, catch-up): it starts with one
 * more round trip than an INSERT, which a live batch of a few rows would feel (ADR 0030).
 */
const COPY_MIN_ROWS = 200;

/**
 * The projection's unit of work for one batch. Rows addressed by primary key are kept in memory
 * (read once, written once): a batch of 1,000 events becomes a few multi-row upserts instead of
 * thousands of round trips. `flush` writes them inside the batch's transaction, before the
 * checkpoint commits. Anything not addressed by primary key goes straight to SQL, after a flush.
 */
export class SqlProjectionContext implements ProjectionContext {
  private readonly cache = new Map<EntityClass, Map<string, Cached>>();
  /** Partial upserts of rows never read: column sets are merged per key until the flush. */
  private readonly blind = new Map<EntityClass, Map<string, RowValues>>();
  /** Rows were changed by a statement not addressed by primary key (not held in `cache`). */
  private wroteByQuery = false;

  /**
   * `previous`: the batch before this one, still committing while this one is projected (a
   * pipelined rebuild, ADR 0030). Everything before `previous` has committed. Rows `previous`
   * holds are taken from its unit of work (it may not have written them yet); any other row is
   * read from the table, which `previous` does not touch; writes and anything not addressed by
   * primary key wait for `previous` to commit.
   */
  constructor(
    readonly tx: SqlTx,
    private readonly dataSource: DataSource,
    private readonly tables: Map<EntityClass, string>,
    private previous?: { context: SqlProjectionContext; committed: Promise<unknown> },
  ) {}

  /** Waits until the previous batch has committed: from then on the tables show all of it. */
  private async barrier(): Promise<void> {
    if (!this.previous) return;
    await this.previous.committed;
    this.previous = undefined;
  }

  /** A copy of what the previous batch holds for this key, if anything (see `previous`). */
  private async fromPrevious(entity: EntityClass, key: string): Promise<Cached | undefined> {
    const before = this.previous?.context;
    if (!before) return undefined;
    if (before.wroteByQuery || before.blind.get(entity)?.has(key)) {
      // Only a partial row is known there, or rows changed by a statement that names no key:
      // read from the table once that batch has committed.
      await this.barrier();
      return undefined;
    }
    const c = before.cache.get(entity)?.get(key);
    // The previous batch's flush may be reading its row object right now: never share it.
    return c && { row: c.row && { ...c.row }, dirty: false, stored: c.row !== null };
  }

  table(entity: EntityClass): string {
    const name = this.tables.get(entity);
    if (!name) throw new Error(`Entity ${entity.name} is not part of this projection`);
    return this.tx.dialect.ident(name);
  }

  column(entity: EntityClass, property: string): string {
    return this.tx.dialect.ident(columnName(this.meta(entity), property));
  }

  private readonly metas = new Map<EntityClass, { meta: EntityMetadata; pk: string[] }>();

  private described(entity: EntityClass) {
    let d = this.metas.get(entity);
    if (!d) {
      const meta = this.dataSource.getMetadata(entity);
      this.metas.set(entity, (d = { meta, pk: meta.primaryColumns.map((c) => c.propertyName) }));
    }
    return d;
  }

  private meta(entity: EntityClass): EntityMetadata {
    return this.described(entity).meta;
  }

  private pk(entity: EntityClass): string[] {
    return this.described(entity).pk;
  }

  /** The cache key when `where` names exactly the primary key, else undefined. */
  private keyOf(entity: EntityClass, where: RowValues): string | undefined {
    const pk = this.pk(entity);
    let names = 0;
    for (const _ in where) names++;
    if (names !== pk.length) return undefined;
    for (let i = 0; i < pk.length; i++) if (!(pk[i] in where)) return undefined;
    return pkKey(pk, where);
  }

  private entries(entity: EntityClass): Map<string, Cached> {
    let m = this.cache.get(entity);
    if (!m) this.cache.set(entity, (m = new Map<string, Cached>()));
    return m;
  }

  private bind(value: unknown): unknown {
    if (value === undefined) return null;
    if (typeof value === 'boolean') return this.tx.dialect.kind === 'sqlite' ? (value ? 1 : 0) : value;
    if (value instanceof Date) return value.toISOString();
    if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) return JSON.stringify(value);
    return value;
  }

  /** Loads one row by primary key into the cache (a blind upsert pending for it is flushed first). */
  private async load(entity: EntityClass, where: RowValues, key: string): Promise<Cached> {
    const entries = this.entries(entity);
    const hit = this.previous ? (entries.get(key) ?? (await this.fromPrevious(entity, key))) : entries.get(key);
    if (hit) {
      entries.set(key, hit);
      return hit;
    }
    if (this.blind.get(entity)?.has(key)) await this.flush();
    const row = (await this.select(entity, where))[0] ?? null;
    const loaded = { row, dirty: false, stored: row !== null };
    entries.set(key, loaded);
    return loaded;
  }

  // Only fills the cache (flushed later); a Promise like the other writes, rejected by a bad row.
  insert(entity: EntityClass, rows: RowValues | RowValues[]): Promise<void> {
    return new Promise((resolve) => {
      for (const row of Array.isArray(rows) ? rows : [rows]) this.insertOne(entity, row);
      resolve();
    });
  }

  private insertOne(entity: EntityClass, row: RowValues): void {
    const key = pkKey(this.pk(entity), row);
    const entries = this.entries(entity);
    if (entries.get(key)?.row) throw new Error(`${entity.name} ${key} exists already`);
    entries.set(key, { row: { ...row }, dirty: true, stored: false });
  }

  async upsert(entity: EntityClass, row: RowValues, keys: string[]): Promise<void> {
    const key = this.keyOf(entity, Object.fromEntries(keys.map((k) => [k, row[k]])));
    if (!key) {
      await this.flush();
      this.wroteByQuery = true;
      return this.rawUpsert(entity, [row], keys);
    }
    const cached = this.entries(entity).get(key);
    if (cached) {
      cached.row = { ...(cached.row ?? {}), ...row };
      cached.dirty = true;
      return;
    }
    const blind = this.blind.get(entity) ?? new Map<string, RowValues>();
    this.blind.set(entity, blind);
    blind.set(key, { ...(blind.get(key) ?? {}), ...row });
  }

  async update(entity: EntityClass, set: RowValues, where: RowValues): Promise<void> {
    const key = this.keyOf(entity, where);
    if (!key) {
      await this.flush();
      this.cache.delete(entity);
      this.wroteByQuery = true;
      const s = Object.keys(set);
      const w = Object.keys(where);
      await this.tx.query(
        `UPDATE ${this.table(entity)} SET ${s.map((p) => `${this.column(entity, p)} = ?`).join(', ')}
         WHERE ${w.map((p) => `${this.column(entity, p)} = ?`).join(' AND ')}`,
        [...s.map((p) => this.bind(set[p])), ...w.map((p) => this.bind(where[p]))],
      );
      return;
    }
    const cached = this.entries(entity).get(key) ?? (await this.load(entity, where, key));
    if (!cached.row) return; // as UPDATE … WHERE: no row, nothing changes
    Object.assign(cached.row, set);
    cached.dirty = true;
  }

  async increment(entity: EntityClass, key: RowValues, by: Record<string, number>, insertDefaults: RowValues = {}): Promise<void> {
    const k = this.keyOf(entity, key);
    if (!k) throw new Error(`increment on ${entity.name} needs its primary key`);
    const cached = this.entries(entity).get(k) ?? (await this.load(entity, key, k));
    const row = cached.row ?? { ...insertDefaults, ...key };
    for (const col in by) row[col] = Number(row[col] ?? 0) + by[col];
    cached.row = row;
    cached.dirty = true;
  }

  async find<T = RowValues>(entity: EntityClass, where: RowValues): Promise<T | undefined> {
    const key = this.keyOf(entity, where);
    if (key) {
      const cached = this.entries(entity).get(key) ?? (await this.load(entity, where, key));
      return cached.row ? (structuredClone(cached.row) as T) : undefined;
    }
    await this.flush();
    return (await this.select(entity, where))[0] as T | undefined;
  }

  /** Writes every pending row: one multi-row insert (new rows) or upsert (others) per entity and column set. */
  async flush(): Promise<void> {
    await this.barrier();
    for (const [entity, entries] of this.cache) {
      const fresh: RowValues[] = [];
      const changed: RowValues[] = [];
      for (const c of entries.values()) {
        if (!c.dirty || !c.row) continue;
        (c.stored ? changed : fresh).push(c.row);
        c.dirty = false;
        c.stored = true;
      }
      if (fresh.length) await this.rawUpsert(entity, fresh, null);
      if (changed.length) await this.rawUpsert(entity, changed, this.pk(entity));
    }
    for (const [entity, pending] of this.blind) {
      this.blind.delete(entity);
      const byShape = new Map<string, RowValues[]>();
      for (const row of pending.values()) {
        const shape = Object.keys(row).sort().join(',');
        byShape.set(shape, [...(byShape.get(shape) ?? []), row]);
      }
      for (const rows of byShape.values()) await this.rawUpsert(entity, rows, this.pk(entity));
      // Their full rows are unknown here: later reads go to the database.
      for (const key of pending.keys()) this.entries(entity).delete(key);
    }
  }

  /** Multi-row upsert on conflict of `keys`; `keys` null: a plain insert (rows known to be new). */
  private async rawUpsert(entity: EntityClass, rows: RowValues[], keys: string[] | null): Promise<void> {
    const seen = new Set<string>();
    for (const r of rows) for (const k in r) seen.add(k);
    const props = [...seen];
    const cols = props.map((p) => this.column(entity, p));
    let conflict = '';
    if (keys) {
      const updates = props.filter((p) => !keys.includes(p));
      const set = updates.length
        ? `DO UPDATE SET ${updates.map((p) => `${this.column(entity, p)} = excluded.${this.column(entity, p)}`).join(', ')}`
        : 'DO NOTHING';
      conflict = `ON CONFLICT (${keys.map((k) => this.column(entity, k)).join(', ')}) ${set}`;
    }
    if (!keys && this.tx.dialect.kind === 'postgres' && rows.length >= COPY_MIN_ROWS) {
      const text = new CopyText();
      const last = props.length - 1;
      for (const r of rows) for (let i = 0; i <= last; i++) text.value(this.bind(r[props[i]]), i === last);
      await this.tx.copyIn(this.table(entity), cols, text.chunks());
      return;
    }
    const arrayTypes = this.tx.dialect.kind === 'postgres' ? this.pgArrayTypes(entity, props) : undefined;
    if (arrayTypes) {
      // One array per column, unnested on the server: a short statement text that is the same
      // for any number of rows, instead of parsing and planning thousands of placeholders.
      const params = props.map((p) => rows.map((r) => this.bind(r[p])));
      await this.tx.query(
        `INSERT INTO ${this.table(entity)} (${cols.join(', ')}) SELECT * FROM unnest(${arrayTypes.map((t) => `?::${t}`).join(', ')}) ${conflict}`,
        params,
      );
      return;
    }
    // Chunked so the parameter count stays below SQLite's and PostgreSQL's limits.
    const chunk = Math.max(1, Math.floor(5000 / props.length));
    const head = `INSERT INTO ${this.table(entity)} (${cols.join(', ')}) VALUES `;
    for (let i = 0; i < rows.length; i += chunk) {
      const end = Math.min(rows.length, i + chunk);
      const params = new Array<unknown>((end - i) * props.length);
      let n = 0;
      for (let r = i; r < end; r++) for (let c = 0; c < props.length; c++) params[n++] = this.bind(rows[r][props[c]]);
      await this.tx.query(valuesStatement(head, props.length, end - i, conflict), params);
    }
  }

  /** PostgreSQL array types for `unnest`, or undefined if a column has no plain array type (enums, arrays). */
  private pgArrayTypes(entity: EntityClass, props: string[]): string[] | undefined {
    const meta = this.meta(entity);
    const types: string[] = [];
    for (const p of props) {
      const col = meta.findColumnWithPropertyName(p)!;
      const type = this.dataSource.driver.normalizeType(col);
      if (col.isArray || !/^[a-z ]+$/.test(type) || type === 'enum') return undefined;
      types.push(`${type}[]`);
    }
    return types;
  }

  private async select(entity: EntityClass, where: RowValues): Promise<RowValues[]> {
    const meta = this.meta(entity);
    const w = Object.keys(where);
    const cols = meta.columns.map((c) => `${this.tx.dialect.ident(c.databaseName)} AS ${this.tx.dialect.ident(c.propertyName)}`).join(', ');
    const rows = await this.tx.query(
      `SELECT ${cols} FROM ${this.table(entity)} WHERE ${w.map((p) => `${this.column(entity, p)} = ?`).join(' AND ')}`,
      w.map((p) => this.bind(where[p])),
    );
    for (const row of rows) {
      for (const c of meta.columns) {
        const v = row[c.propertyName];
        if (c.type === 'simple-json' && typeof v === 'string') row[c.propertyName] = JSON.parse(v);
        else if (c.type === Boolean || c.type === 'boolean') row[c.propertyName] = v === null ? null : Boolean(v);
        else if (typeof v === 'string' && /^-?\d+$/.test(v) && (c.type === 'bigint' || c.type === Number || c.type === 'integer'))
          row[c.propertyName] = Number(v);
      }
    }
    return rows;
  }
}

function pkKey(pk: string[], row: RowValues): string {
  if (pk.length === 1) {
    // The common case without JSON: a prefix keeps the string "1" and the number 1 apart.
    const v = row[pk[0]];
    if (typeof v === 'string') return `s${v}`;
    if (typeof v === 'number') return `n${v}`;
  }
  return JSON.stringify(pk.map((k) => row[k]));
}

function columnName(meta: EntityMetadata, property: string): string {
  const col = meta.findColumnWithPropertyName(property);
  if (!col) throw new Error(`${meta.name} has no column for property "${property}"`);
  return col.databaseName;
}
