/** Deepest nesting a request body may have: DTOs nest a few levels; recursion-based validation must not overflow. */
export const MAX_JSON_DEPTH = 64;

/**
 * body-parser `verify` hook: refuses JSON nested deeper than `maxDepth` before it is parsed
 * (class-transformer recurses per level: 20,000 nested arrays overflowed the stack as a 500).
 * One pass over the raw bytes, skipping string contents.
 */
export function rejectDeepJson(maxDepth = MAX_JSON_DEPTH) {
  return (_req: unknown, _res: unknown, buf: Buffer): void => {
    let depth = 0;
    let inString = false;
    for (let i = 0; i < buf.length; i++) {
      const c = buf[i];
      if (inString) {
        if (c === 0x5c)
          i++; // backslash: skip the escaped byte
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x5b || c === 0x7b) {
        if (++depth > maxDepth) {
          throw Object.assign(new Error(`The request body is nested deeper than ${maxDepth} levels`), { status: 400, expose: true, type: 'entity.too.deep' });
        }
      } else if (c === 0x5d || c === 0x7d) depth--;
    }
  };
}
