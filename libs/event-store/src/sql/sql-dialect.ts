import type { DataSource } from 'typeorm';

/** The few places where SQLite and PostgreSQL differ for the product's own SQL. */
export interface SqlDialect {
  kind: 'sqlite' | 'postgres';
  /** Placeholder for the n-th (1-based) parameter. */
  param(n: number): string;
  /** Quotes an identifier (table or column name). */
  ident(name: string): string;
}

const sqlite: SqlDialect = { kind: 'sqlite', param: () => '?', ident: (n) => `"${n.replace(/"/g, '""')}"` };
const postgres: SqlDialect = { kind: 'postgres', param: (n) => `$${n}`, ident: (n) => `"${n.replace(/"/g, '""')}"` };

export function dialectOf(ds: DataSource): SqlDialect {
  const t = ds.options.type;
  if (t === 'postgres') return postgres;
  if (t === 'better-sqlite3' || t === 'sqlite') return sqlite;
  throw new Error(`Unsupported database type ${t}`);
}

/** Numbers `?` placeholders for the dialect: write SQL once with `?`. */
export function sql(dialect: SqlDialect, text: string): string {
  if (dialect.kind === 'sqlite') return text;
  let n = 0;
  return text.replace(/\?/g, () => dialect.param(++n));
}
