/**
 * JSON Canonicalization Scheme (RFC 8785): object members sorted by UTF-16 code units,
 * no whitespace, numbers and strings serialised as ECMAScript's JSON.stringify does.
 * The ledger hashes these bytes, so this function is part of the evidence format.
 *
 * It runs for every event sealed, exported and verified: the text is built by appending (no
 * array of members per object to filter, map and join) and a member name is quoted once.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('JCS: numbers must be finite');
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          if (i !== 0) out += ',';
          out += canonicalJson(v === undefined ? null : v);
        }
        return out + ']';
      }
      const obj = value as Record<string, unknown>;
      const keys = sortedKeys(obj);
      let out = '{';
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        if (out.length !== 1) out += ',';
        out += memberName(k) + canonicalJson(v);
      }
      return out + '}';
    }
    default:
      throw new TypeError(`JCS: cannot serialise ${typeof value}`);
  }
}

/**
 * canonicalJson of a plain object without its member `skip` (a format-2 event's metadata without
 * its commitment seed), without copying the object first: export writes one per event.
 */
export function canonicalJsonWithout(obj: Record<string, unknown>, skip: string): string {
  let out = '{';
  for (const k of sortedKeys(obj)) {
    const v = obj[k];
    if (v === undefined || k === skip) continue;
    if (out.length !== 1) out += ',';
    out += memberName(k) + canonicalJson(v);
  }
  return out + '}';
}

/**
 * An object's own keys in UTF-16 code-unit order (RFC 8785 §3.2.3; `<` on strings is that order).
 * Sorted in place by insertion: Array.prototype.sort allocates work arrays on every call, and an
 * export sorts a few small objects per event (it was the largest allocation of a 100k export).
 */
export function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  const n = keys.length;
  if (n > 32) return keys.sort();
  for (let i = 1; i < n; i++) {
    const k = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > k) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/** `"name":`, quoted once per name: events repeat a few dozen names (bounded for arbitrary data). */
const names = new Map<string, string>();
export function memberName(k: string): string {
  let q = names.get(k);
  if (q === undefined) {
    if (names.size >= 4096) names.clear();
    q = `${JSON.stringify(k)}:`;
    names.set(k, q);
  }
  return q;
}
