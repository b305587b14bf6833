const CHUNK = 64 * 1024;
const SPECIAL = /[\\\n\r\t]/;

/** One value in COPY's text format: `\N` for null, backslash, newline, CR and tab escaped. */
export function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
  // `ProjectionContext.bind` has already turned dates and objects into text.
  if (typeof value !== 'string') throw new TypeError(`COPY cannot encode a value of type ${typeof value}`);
  const s = value;
  if (!SPECIAL.test(s)) return s;
  return s.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

/**
 * Rows for `COPY … FROM STDIN` (text format), encoded straight into buffers of ~64 KB: no line
 * or batch-sized string is built, so a rebuild's batch leaves little garbage behind (ADR 0030).
 */
export class CopyText {
  private readonly done: Buffer[] = [];
  private buf = Buffer.allocUnsafe(CHUNK);
  private at = 0;

  /** Appends one value; `last` ends the row. */
  value(value: unknown, last: boolean): void {
    const s = copyValue(value);
    // UTF-8 takes at most 3 bytes per UTF-16 code unit; one more for the separator.
    const need = s.length * 3 + 1;
    if (this.at + need > this.buf.length) this.spill(need);
    this.at += this.buf.write(s, this.at);
    this.buf[this.at++] = last ? 0x0a : 0x09;
  }

  /** The encoded rows, in order. */
  chunks(): Buffer[] {
    this.spill(0);
    return this.done;
  }

  private spill(need: number): void {
    if (this.at > 0) this.done.push(this.buf.subarray(0, this.at));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, need));
    this.at = 0;
  }
}
