/** Words after which a quoted name is an identifier of the schema, not a stored value. */
const NAMES = /\b(column|relation|table|constraint|index|encoding|type|function|schema|database|sequence|trigger|operator|collation|projection)\s*$/i;
const MAX = 300;

/**
 * The error of a failing projection as it may be shown on /health, in the CLI and the log: a
 * driver's or the projection's message can echo a row value (PostgreSQL's `invalid input syntax
 * for type integer: "…"`, a unique violation's `Key (col)=(…)`, Node's `"…" is not valid JSON`),
 * and a value may be personal data. Quoted text that is not a schema name after its keyword,
 * `=(…)` key values and control characters are cut; the rest is truncated to 300 characters.
 * `invalid byte sequence for encoding "UTF8": 0x00` and `NOT NULL constraint failed:
 * rm_ai_systems.supplierName` stay readable.
 */
export function failureMessage(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const text = raw
    .replace(/=\([^)]*\)/g, '=(…)')
    .replace(/(["'`])((?:(?!\1)[^\n])*)\1/g, (whole: string, quote: string, inner: string, at: number, all: string) =>
      NAMES.test(all.slice(0, at)) && /^[\w.$ -]{1,63}$/.test(inner) ? whole : `${quote}…${quote}`,
    )
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  return text.length > MAX ? `${text.slice(0, MAX - 1)}…` : text;
}
