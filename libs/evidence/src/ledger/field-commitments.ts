import { createHash, createHmac } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/**
 * Leaf format 2 (docs/adr/0039, VERIFY.md B.4): every member that may ever be redacted is hashed
 * into the leaf as a salted commitment instead of its value, so a bundle can show a field as its
 * commitment alone and the leaf is still recomputed. Pure: no Nest, no I/O (the leaf worker
 * thread loads it).
 */

/** The metadata member that holds an event's commitment seed; its presence makes the event leaf format 2. */
export const COMMITMENT_SEED = 'commitmentSeed';
export const LEAF_FORMAT_2 = 2;

/**
 * Members committed by name, at any depth of `data` and `metadata`: who acted (`actor`, every
 * name ending in `By`, `reviewer`, `requester`, `oversightPersons`, and the idempotency key,
 * which is scoped by the actor), the patient reference, and free text (the timeline's text
 * fields, encrypted or not). A rule by name, like the scope rule (B.9), so a second verifier
 * applies it without a list per event type, and a new `…By` field is committed without a change.
 */
export const COMMITTED_NAMES: readonly string[] = [
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
];
const committed = new Set(COMMITTED_NAMES);

export function isCommittedName(name: string): boolean {
  return committed.has(name) || (name.length > 2 && name.endsWith('By'));
}

/** The member that stands for a committed value in a leaf (and, redacted, in a bundle line). */
export interface Commitment {
  $commitment: string;
}

/** RFC 6901: a member name as one segment of a JSON pointer. */
export function pointerSegment(name: string): string {
  return name.includes('~') || name.includes('/') ? name.replace(/~/g, '~0').replace(/\//g, '~1') : name;
}

/** A field's 32-byte salt: HMAC-SHA256 keyed with the event's seed over its JSON pointer (only the registry holds seeds). */
export function fieldSalt(seed: Buffer, pointer: string): Buffer {
  return createHmac('sha256', seed).update(pointer, 'utf8').digest();
}

/** commitment = SHA-256(salt ‖ UTF-8 of the value's canonical JSON), lower-case hex. */
export function fieldCommitment(salt: Buffer, value: unknown): string {
  return createHash('sha256').update(salt).update(canonicalJson(value), 'utf8').digest('hex');
}

/**
 * Calls `visit` for every committed member of `value` (at any depth, objects and arrays, not
 * inside a committed value), in canonical member order, with its JSON pointer under `base`.
 * Returns a copy with each committed member replaced by what `visit` answers.
 */
export function mapCommitted(value: unknown, base: string, visit: (pointer: string, v: unknown) => unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => mapCommitted(v, `${base}/${i}`, visit));
  // No prototype: a member named `__proto__` stays a member (a hostile line may hold one).
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined) continue;
    const pointer = `${base}/${pointerSegment(k)}`;
    out[k] = isCommittedName(k) ? visit(pointer, v) : mapCommitted(v, pointer, visit);
  }
  return out;
}

/** The pointers of every committed member of an event's `data` and `metadata` (the seed left out), in leaf order. */
export function committedPointers(data: unknown, metadata: Record<string, unknown>): string[] {
  const pointers: string[] = [];
  const note = (p: string) => {
    pointers.push(p);
    return null;
  };
  mapCommitted(data, '/data', note);
  mapCommitted(withoutSeed(metadata), '/metadata', note);
  return pointers;
}

export function withoutSeed(metadata: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(metadata, COMMITMENT_SEED)) return metadata;
  const { [COMMITMENT_SEED]: _seed, ...rest } = metadata;
  return rest;
}

/** The seed of a leaf-format-2 event, or undefined for a format-1 event. */
export function commitmentSeedOf(metadata: Record<string, unknown> | undefined): Buffer | undefined {
  const seed = metadata?.[COMMITMENT_SEED];
  return typeof seed === 'string' ? Buffer.from(seed, 'hex') : undefined;
}
