import { hash } from 'node:crypto';
import { canonicalJson, memberName, sortedKeys } from './canonical-json';
import { HmacSha256 } from './hmac-sha256';

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
  // Added before format 2 became the default: an AI output's summary (free text, per patient),
  // the person a competence record is about and an assessment's approver (people).
  'summary',
  'person',
  'approver',
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

const BLOCK = 64; // SHA-256's block size (RFC 2104's B)
let scratch = Buffer.allocUnsafe(4096);
/** A buffer of at least n bytes, reused: the hashes below run for every committed member sealed, exported or verified. */
function room(n: number): Buffer {
  if (scratch.length < n) scratch = Buffer.allocUnsafe(Math.max(n, scratch.length * 2));
  return scratch;
}

/**
 * HMAC-SHA256 (RFC 2104) keyed with an event's seed, over each committed member's pointer: its
 * salt. The key's two padded blocks are compressed once per event and each salt is computed in JS
 * (hmac-sha256.ts): a salt is derived for every committed member sealed, exported in the salts
 * form, and verified in the seed form (ADR 0043), where two one-shot native hashes per salt cost
 * more than the hashing itself (the spec test compares it with createHmac).
 */
export class FieldSalts {
  private readonly mac = new HmacSha256();

  constructor(seed?: Buffer | string) {
    if (seed !== undefined) this.rekey(seed);
  }

  /**
   * Keys it with another event's seed (a Buffer, or 64 hex digits as a bundle line holds it): a
   * verifier or sealer reuses one instance for every event.
   */
  rekey(seed: Buffer | string): this {
    const bytes = typeof seed === 'string' ? Buffer.from(seed, 'hex') : seed;
    this.mac.rekey(bytes.length > BLOCK ? hash('sha256', bytes, 'buffer') : bytes);
    return this;
  }

  /** A field's 32-byte salt: HMAC-SHA256 keyed with the event's seed over its JSON pointer (only the registry holds seeds). */
  salt(pointer: string): Buffer {
    const out = Buffer.allocUnsafe(32);
    this.mac.macInto(pointer, out, 0);
    return out;
  }

  /** The same salt as 64 hex digits (a bundle line's `salts`). */
  saltHex(pointer: string): string {
    this.mac.macInto(pointer, hexRoom, 0);
    return hexRoom.toString('hex');
  }

  /** commitment(p) = SHA-256(salt(p) ‖ UTF-8 of `canonical`), hex: the salt written in place, never a Buffer of its own. */
  commitment(pointer: string, canonical: string): string {
    const buf = room(32 + 3 * canonical.length);
    this.mac.macInto(pointer, buf, 0);
    const n = buf.write(canonical, 32, 'utf8');
    return hash('sha256', buf.subarray(0, 32 + n), 'hex');
  }
}
const hexRoom = Buffer.allocUnsafe(32);

export function fieldSalt(seed: Buffer, pointer: string): Buffer {
  return new FieldSalts(seed).salt(pointer);
}

/** commitment = SHA-256(salt ‖ UTF-8 of the value's canonical JSON), lower-case hex. */
export function fieldCommitment(salt: Buffer, value: unknown): string {
  return commitmentOf(salt, canonicalJson(value));
}

/** The same over a value already in canonical JSON; `salt` as 32 bytes or as 64 hex digits. */
export function commitmentOf(salt: Buffer | string, canonical: string): string {
  const buf = room(32 + 3 * canonical.length);
  if (typeof salt === 'string') buf.write(salt, 0, 'hex');
  else salt.copy(buf, 0);
  const n = buf.write(canonical, 32, 'utf8');
  return hash('sha256', buf.subarray(0, 32 + n), 'hex');
}

/**
 * The canonical JSON (RFC 8785, as canonicalJson) of `value` with each committed member's value
 * replaced by the text `commit` answers for it (given its pointer under `base` and its value), in
 * one pass: no copy of the event is made (sealing and verifying run this for every event).
 */
export function canonicalCommitted(value: unknown, base: string, commit: (pointer: string, v: unknown) => string): string {
  if (value === null || typeof value !== 'object') return canonicalJson(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (i !== 0) out += ',';
      out += v !== null && typeof v === 'object' ? canonicalCommitted(v, `${base}/${i}`, commit) : canonicalJson(v === undefined ? null : v);
    }
    return out + ']';
  }
  const obj = value as Record<string, unknown>;
  let out = '{';
  for (const k of sortedKeys(obj)) {
    const v = obj[k];
    if (v === undefined) continue;
    if (out.length !== 1) out += ',';
    out += memberName(k);
    if (isCommittedName(k)) out += commit(`${base}/${pointerSegment(k)}`, v);
    else out += v !== null && typeof v === 'object' ? canonicalCommitted(v, `${base}/${pointerSegment(k)}`, commit) : canonicalJson(v);
  }
  return out + '}';
}

/** Two canonical texts of one value written side by side: a bundle line's and its leaf's. */
export interface LineAndLeaf {
  line: string;
  leaf: string;
}

/**
 * canonicalJson of `value` into `out.line` and canonicalCommitted of it into `out.leaf`, in one
 * walk: a committed member's canonical JSON is made once, written to the line and handed to
 * `commit` (with its pointer and value) for the leaf's text. The verifier checks a format-2
 * line's canonical form and recomputes its leaf with it (one serialisation instead of two).
 */
export function canonicalLineAndLeaf(value: unknown, base: string, out: LineAndLeaf, commit: (pointer: string, v: unknown, canonical: string) => string): void {
  if (value === null || typeof value !== 'object') {
    const t = canonicalJson(value);
    out.line += t;
    out.leaf += t;
    return;
  }
  if (Array.isArray(value)) {
    out.line += '[';
    out.leaf += '[';
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (i !== 0) {
        out.line += ',';
        out.leaf += ',';
      }
      canonicalLineAndLeaf(v === undefined ? null : v, `${base}/${i}`, out, commit);
    }
    out.line += ']';
    out.leaf += ']';
    return;
  }
  const obj = value as Record<string, unknown>;
  out.line += '{';
  out.leaf += '{';
  let first = true;
  for (const k of sortedKeys(obj)) {
    const v = obj[k];
    if (v === undefined) continue;
    const name = first ? memberName(k) : `,${memberName(k)}`;
    first = false;
    out.line += name;
    out.leaf += name;
    if (isCommittedName(k)) {
      const t = canonicalJson(v);
      out.line += t;
      out.leaf += commit(`${base}/${pointerSegment(k)}`, v, t);
    } else canonicalLineAndLeaf(v, `${base}/${pointerSegment(k)}`, out, commit);
  }
  out.line += '}';
  out.leaf += '}';
}

/** The text of `{"$commitment":<hex>}`. */
export const commitmentText = (hex: string) => `{"$commitment":"${hex}"}`;

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
  for (const k of sortedKeys(value)) {
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
