/**
 * One-dimensional PostgreSQL arrays in the binary format of `array_send`/`array_recv`, for
 * query parameters: node-postgres sends a Buffer parameter as binary. The server then reads each
 * element by its length instead of scanning a `{"…","…"}` literal for quotes and backslashes,
 * and the client escapes nothing (ADR 0031): event data is JSON, full of quotes.
 */
const TEXT_OID = 25;
const INT4_OID = 23;

function header(oid: number, length: number, hasNull: boolean, size: number): { buf: Buffer; at: number } {
  const buf = Buffer.allocUnsafe(size);
  buf.writeInt32BE(length === 0 ? 0 : 1, 0); // dimensions (an empty array has none)
  buf.writeInt32BE(hasNull ? 1 : 0, 4);
  buf.writeInt32BE(oid, 8);
  if (length === 0) return { buf, at: 12 };
  buf.writeInt32BE(length, 12);
  buf.writeInt32BE(1, 16); // lower bound
  return { buf, at: 20 };
}

/** A `text[]` parameter; null elements are SQL NULL. */
export function pgTextArray(values: ReadonlyArray<string | null | undefined>): Buffer {
  let size = 20;
  let hasNull = false;
  const lengths = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      hasNull = true;
      lengths[i] = -1;
      size += 4;
    } else {
      lengths[i] = Buffer.byteLength(v);
      size += 4 + lengths[i];
    }
  }
  let { buf, at } = header(TEXT_OID, values.length, hasNull, size);
  for (let i = 0; i < values.length; i++) {
    buf.writeInt32BE(lengths[i], at);
    at += 4;
    if (lengths[i] > 0) at += buf.write(values[i]!, at);
  }
  return at === buf.length ? buf : buf.subarray(0, at);
}

/** An `int4[]` parameter. */
export function pgInt4Array(values: readonly number[]): Buffer {
  let { buf, at } = header(INT4_OID, values.length, false, 20 + values.length * 8);
  for (const v of values) {
    buf.writeInt32BE(4, at);
    buf.writeInt32BE(v, at + 4);
    at += 8;
  }
  return at === buf.length ? buf : buf.subarray(0, at);
}
