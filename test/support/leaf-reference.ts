import { createHash, createHmac } from 'node:crypto';

/**
 * The leaf bytes of a stored event, written for the tests from ADR 0039 and VERIFY.md B.4/B.4a's
 * words, not from libs/evidence: suites that recompute leaves by hand use this, so they hold for
 * a log of format-1 events, format-2 events (the default), or both.
 */

/** Sorted-key JSON: for the plain data in these envelopes it equals RFC 8785, written independently. */
export function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

// ADR 0039: committed by name at any depth; also every name longer than two that ends in `By`.
const NAMES = new Set([
  'actor',
  'idempotencyKey',
  'reviewer',
  'requester',
  'oversightPersons',
  'patientPseudonym',
  'patientPseudonyms',
  'reason',
  'narrative',
  'note',
  'correctionNote',
  'description',
  'rationale',
  'awarenessReason',
  'conclusion',
  'reasons',
  'title',
  'summary',
  'person',
  'approver',
]);
const committed = (name: string) => NAMES.has(name) || (name.length > 2 && name.endsWith('By'));
const segment = (name: string) => name.replace(/~/g, '~0').replace(/\//g, '~1');

/** `v` with every committed member replaced by what `commit` answers for its pointer and value. */
export function replaceCommitted(v: unknown, pointer: string, commit: (pointer: string, value: unknown) => unknown): unknown {
  if (Array.isArray(v)) return v.map((x, i) => replaceCommitted(x, `${pointer}/${i}`, commit));
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, committed(k) ? commit(`${pointer}/${segment(k)}`, x) : replaceCommitted(x, `${pointer}/${segment(k)}`, commit)]),
  );
}

/** Leaf bytes (as text) of an event as the store and `GET /events` give it, with its `globalPosition`. */
export function refLeafText(event: Record<string, unknown>): string {
  const { globalPosition: _p, ...content } = event;
  const metadata = (content.metadata ?? {}) as Record<string, unknown>;
  if (typeof metadata.commitmentSeed !== 'string') return sortedJson(content); // format 1 (B.4)
  const { commitmentSeed, ...rest } = metadata;
  const seed = Buffer.from(commitmentSeed, 'hex');
  const commit = (pointer: string, value: unknown) => {
    const salt = createHmac('sha256', seed).update(pointer, 'utf8').digest();
    return { $commitment: createHash('sha256').update(salt).update(sortedJson(value), 'utf8').digest('hex') };
  };
  return sortedJson({
    ...content,
    leafFormat: 2,
    data: replaceCommitted(content.data, '/data', commit),
    metadata: replaceCommitted(rest, '/metadata', commit),
  });
}

/** SHA-256(0x00 ‖ leaf bytes) of a stored event (B.4). */
export function refEventLeafHash(event: Record<string, unknown>): Buffer {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(refLeafText(event), 'utf8')
    .digest();
}

/**
 * Leaf bytes (as text) of a bundle line of `data/events.jsonl` (VERIFY.md B.4; B.4a when the line
 * has `leafFormat`): an opened member's commitment from its salt, given in `salts` or derived from
 * `seed` (HMAC-SHA256 keyed with the seed over the pointer), a redacted one's from its marker.
 */
export function refLineLeafText(line: Record<string, unknown>): string {
  const { globalPosition: _p, ...content } = line;
  if (!Object.hasOwn(line, 'leafFormat')) return sortedJson(content);
  const { salts, seed, ...rest } = content as { salts?: Record<string, string>; seed?: string } & Record<string, unknown>;
  const saltOf = (pointer: string) =>
    seed === undefined ? Buffer.from(salts![pointer], 'hex') : createHmac('sha256', Buffer.from(seed, 'hex')).update(pointer, 'utf8').digest();
  const commit = (pointer: string, value: unknown) => {
    const marker = (value as { $redacted?: { commitment: string } } | null)?.$redacted;
    if (marker) return { $commitment: marker.commitment };
    return { $commitment: createHash('sha256').update(saltOf(pointer)).update(sortedJson(value), 'utf8').digest('hex') };
  };
  return sortedJson({ ...rest, data: replaceCommitted(rest.data, '/data', commit), metadata: replaceCommitted(rest.metadata, '/metadata', commit) });
}

/** A committed member's salt in a seed-form line (B.4a): HMAC-SHA256 keyed with the 32 bytes of the seed over the pointer. */
export function refSaltFromSeed(seed: string, pointer: string): Buffer {
  return createHmac('sha256', Buffer.from(seed, 'hex')).update(pointer, 'utf8').digest();
}

/**
 * A seed-form line rewritten in the salts form, every committed member's salt derived from the
 * seed: what anyone holding the line can do (ADR 0043). Edits `line` in place.
 */
export function refSeedToSalts(line: { seed?: string; salts?: Record<string, string>; data?: unknown; metadata?: unknown }): void {
  const seed = line.seed;
  if (seed === undefined) throw new Error('not a seed-form line');
  const salts: Record<string, string> = {};
  const note = (pointer: string, value: unknown) => {
    salts[pointer] = refSaltFromSeed(seed, pointer).toString('hex');
    return value;
  };
  replaceCommitted(line.data, '/data', note);
  replaceCommitted(line.metadata, '/metadata', note);
  delete line.seed;
  line.salts = salts;
}
