import type { DataSource } from 'typeorm';

/** The few places where SQLite and PostgreSQL differ for the product's own SQL. */
export interface SqlDialect {
  kind: 'sqlite' | 'postgres';
  /** Placeholder for the n-th (1-based) parameter. */
  param: (n: number) => string;
  /** Quotes an identifier (table or column name). */
  ident: (name: string) => string;
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
  let numbered = numberedTexts.get(text);
  if (numbered === undefined) {
    let n = 0;
    numbered = text.replace(/\?/g, () => dialect.param(++n));
    // Bounded memo: the same statements (appends, projection upserts) come back all the time,
    // and numbering a multi-row statement's thousands of placeholders is not free.
    if (numberedTexts.size >= 500) numberedTexts.clear();
    numberedTexts.set(text, numbered);
  }
  return numbered;
}

const numberedTexts = new Map<string, string>();
