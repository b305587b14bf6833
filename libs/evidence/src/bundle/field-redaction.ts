import type { EventEnvelope } from '@app/event-store';
import { canonicalJson, canonicalJsonWithout, memberName, sortedKeys } from '../ledger/canonical-json';
import {
  COMMITMENT_SEED,
  commitmentSeedOf,
  committedPointers,
  commitmentOf,
  commitmentText,
  canonicalLineAndLeaf,
  fieldCommitment,
  FieldSalts,
  type LineAndLeaf,
  LEAF_FORMAT_2,
  mapCommitted,
  withoutSeed,
} from '../ledger/field-commitments';
import { groundsOf, type RedactionRule } from './redaction';

/**
 * Leaf format 2 in a bundle (ADR 0039, ADR 0043, VERIFY.md B.4a and B.8). A line shows its
 * committed members in one of two forms:
 * - **seed form** (nothing in the event is redacted): every member opened and the event's seed in
 *   the line's `seed`; the verifier derives each salt from it, as the sealer does. One 64-hex
 *   member per line instead of one salt per committed member (ADR 0043: the export's and the
 *   zip's cost);
 * - **salts form** (a member is redacted): each committed member either opened (its value, its
 *   salt in the line's `salts`) or redacted, as `{"$redacted":{"commitment","ground"}}`. The seed
 *   is never shown then: it would give the redacted member's salt.
 * The verifier recomputes the leaf either way.
 */
export interface FieldRedactionMarker {
  $redacted: { commitment: string; ground: string };
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * A redaction decision's path as a pointer in the event: `/data/…` and `/metadata/…` as they are;
 * any other pointer is read inside `data` (the API's `/reason` form).
 */
export function eventPointer(path: string): string {
  return path.startsWith('/data/') || path.startsWith('/metadata/') ? path : `/data${path}`;
}

/** Whether a rule's pointer is the committed member's pointer or lies under it. */
export function covers(committed: string, path: string): boolean {
  const p = eventPointer(path);
  return p === committed || p.startsWith(`${committed}/`);
}

/**
 * The bundle line (before canonical JSON) of a format-2 event, each committed member named by a
 * rule redacted and every other one opened with its salt; null when a rule is not at or under a
 * committed member (the event is then withheld whole, B.8). With no rules, the seed form.
 */
export function formatTwoLine(e: EventEnvelope, rules: readonly RedactionRule[]): Record<string, unknown> | null {
  const seed = commitmentSeedOf(e.metadata);
  if (seed === undefined) throw new Error(`event ${e.eventId} is not leaf format 2`);
  if (rules.length === 0) return { ...e, metadata: withoutSeed(e.metadata), leafFormat: LEAF_FORMAT_2, seed: seed.toString('hex') };
  const byPointer = new Map<string, RedactionRule[]>();
  const committed = committedPointers(e.data, e.metadata);
  for (const rule of rules) {
    const at = committed.find((c) => covers(c, rule.path));
    if (at === undefined) return null;
    byPointer.set(at, [...(byPointer.get(at) ?? []), rule]);
  }
  const salts: Record<string, string> = {};
  const deriver = new FieldSalts(seed);
  const show = (pointer: string, value: unknown): unknown => {
    const salt = deriver.salt(pointer);
    const mine = byPointer.get(pointer);
    if (mine) return { $redacted: { commitment: fieldCommitment(salt, value), ground: groundsOf(mine) } } satisfies FieldRedactionMarker;
    salts[pointer] = salt.toString('hex');
    return value;
  };
  return {
    ...e,
    data: mapCommitted(e.data, '/data', show),
    metadata: mapCommitted(withoutSeed(e.metadata), '/metadata', show),
    leafFormat: LEAF_FORMAT_2,
    salts,
  };
}

/**
 * The canonical line of a format-2 event that no rule redacts, in the seed form: exactly
 * canonicalJson of formatTwoLine(e, []). No committed member is walked, no salt derived: the
 * stored event's canonical JSON with the seed moved from `metadata` to the top-level `seed`.
 */
export function formatTwoLineText(e: EventEnvelope): string {
  const seed = e.metadata[COMMITMENT_SEED];
  if (typeof seed !== 'string') throw new Error(`event ${e.eventId} is not leaf format 2`);
  // The members of { ...e, leafFormat, seed } in order, without copying the envelope (one per event exported).
  const o = e as unknown as Record<string, unknown>;
  const keys = sortedKeys(o);
  let out = '{';
  let extra = 0;
  const member = (k: string, v: unknown) => {
    if (v === undefined) return;
    if (out.length !== 1) out += ',';
    out += memberName(k) + (k === 'metadata' ? canonicalJsonWithout(v as Record<string, unknown>, COMMITMENT_SEED) : canonicalJson(v));
  };
  for (const k of keys) {
    for (; extra < SEED_FORM_MEMBERS.length && SEED_FORM_MEMBERS[extra] < k; extra++) member(SEED_FORM_MEMBERS[extra], extra === 0 ? LEAF_FORMAT_2 : seed);
    if (k !== 'leafFormat' && k !== 'seed') member(k, o[k]);
  }
  for (; extra < SEED_FORM_MEMBERS.length; extra++) member(SEED_FORM_MEMBERS[extra], extra === 0 ? LEAF_FORMAT_2 : seed);
  return out + '}';
}

/** The members the seed form adds to the stored envelope, in code-unit order. */
const SEED_FORM_MEMBERS = ['leafFormat', 'seed'] as const;

/** A value that is a redaction marker, exactly `{"$redacted":{"commitment","ground"}}`; a malformed one is a string (why). */
export function markerOf(v: unknown): FieldRedactionMarker | string | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, '$redacted')) return null;
  const r = (v as { $redacted: unknown }).$redacted;
  const shape =
    Object.keys(v).length === 1 &&
    typeof r === 'object' &&
    r !== null &&
    Object.keys(r).sort().join(',') === 'commitment,ground' &&
    typeof (r as { commitment: unknown }).commitment === 'string' &&
    HEX64.test((r as { commitment: string }).commitment) &&
    typeof (r as { ground: unknown }).ground === 'string';
  return shape ? (v as FieldRedactionMarker) : 'a redaction marker must be exactly {"$redacted":{"commitment":<64 hex>,"ground":<text>}}';
}

/** What a format-2 line proves: its recomputed leaf text and the members it shows redacted; `line` is the line's own canonical form. */
export interface FormatTwoLeaf {
  leaf: string;
  line: string;
  redacted: Array<{ pointer: string; ground: string }>;
  problems: string[];
}

/** The verifier's HMAC key schedule, rekeyed per seed-form line (formatTwoLeaf is synchronous). */
const lineSalts = new FieldSalts();

/**
 * The leaf text of a format-2 bundle line (B.4a): every committed member's commitment computed
 * from its value and salt (from `salts`, or derived from `seed`), or taken from its redaction
 * marker; `globalPosition`, `salts` and `seed` left out. A line has exactly one of `salts` and
 * `seed`; in the salts form each salt must be used exactly once and each opened member must have
 * one; in the seed form no member may be redacted (the seed would open it).
 */
export function formatTwoLeaf(ev: Record<string, unknown>): FormatTwoLeaf {
  const problems: string[] = [];
  const redacted: FormatTwoLeaf['redacted'] = [];
  const hasSeed = Object.hasOwn(ev, 'seed');
  const hasSalts = Object.hasOwn(ev, 'salts');
  const given = new Map<string, string>();
  let deriver: FieldSalts | null = null;
  // With the form itself wrong, each member is not reported once more as lacking its salt.
  let formOk = true;
  if (hasSeed && hasSalts) {
    problems.push('a leaf-format-2 line has "salts" or "seed", not both');
    formOk = false;
  } else if (hasSeed) {
    if (typeof ev.seed === 'string' && HEX64.test(ev.seed)) deriver = lineSalts.rekey(ev.seed);
    else {
      problems.push('the seed is not 64 lower-case hex digits');
      formOk = false;
    }
  } else if (ev.salts === null || typeof ev.salts !== 'object' || Array.isArray(ev.salts)) {
    problems.push(hasSalts ? 'a leaf-format-2 line has an object "salts"' : 'a leaf-format-2 line has "salts" or "seed"');
    formOk = false;
  } else
    for (const [p, s] of Object.entries(ev.salts)) {
      if (typeof s === 'string' && HEX64.test(s)) given.set(p, s);
      else problems.push(`the salt of ${p} is not 64 lower-case hex digits`);
    }
  const used = new Set<string>();
  const commit = (pointer: string, value: unknown, canonical: string): string => {
    const marker = markerOf(value);
    if (typeof marker === 'string') {
      problems.push(`${pointer}: ${marker}`);
      return canonical;
    }
    if (marker) {
      if (hasSeed) problems.push(`${pointer} is redacted in a line that shows its seed (the seed opens every member; a line with a redacted member has salts)`);
      if (given.has(pointer)) problems.push(`${pointer} is redacted and yet has a salt`);
      used.add(pointer);
      redacted.push({ pointer, ground: marker.$redacted.ground });
      return commitmentText(marker.$redacted.commitment);
    }
    if (deriver) return commitmentText(deriver.commitment(pointer, canonical));
    const salt = given.get(pointer);
    if (salt === undefined) {
      if (formOk) problems.push(`${pointer} is shown without its salt`);
      return canonical;
    }
    used.add(pointer);
    return commitmentText(commitmentOf(salt, canonical));
  };
  // The line's canonical form and its leaf in one walk (the leaf leaves out `globalPosition`,
  // `salts` and `seed`): each committed value is serialised once, for both.
  const out: LineAndLeaf = { line: '{', leaf: '{' };
  for (const k of sortedKeys(ev)) {
    const v = ev[k];
    if (v === undefined) continue;
    const inLeaf = k !== 'globalPosition' && k !== 'salts' && k !== 'seed';
    const name = memberName(k);
    out.line += out.line.length === 1 ? name : `,${name}`;
    if (!inLeaf) {
      out.line += canonicalJson(v);
      continue;
    }
    out.leaf += out.leaf.length === 1 ? name : `,${name}`;
    if (k === 'data' || k === 'metadata') canonicalLineAndLeaf(v, `/${k}`, out, commit);
    else {
      const t = canonicalJson(v);
      out.line += t;
      out.leaf += t;
    }
  }
  const leaf = `${out.leaf}}`;
  const line = `${out.line}}`;
  for (const p of given.keys()) if (!used.has(p)) problems.push(`the salt of ${p} opens no committed member`);
  if (ev.metadata && typeof ev.metadata === 'object' && Object.hasOwn(ev.metadata, COMMITMENT_SEED)) problems.push('the line shows a commitment seed');
  return { leaf, line, redacted, problems };
}

/** Whether an event line is leaf format 2 (a top-level `leafFormat`; any value other than 2 is a problem for the caller). */
export function isFormatTwoLine(ev: Record<string, unknown>): boolean {
  return Object.hasOwn(ev, 'leafFormat');
}

/** What a timeline cell shows for a committed member that is redacted: `[redacted: <grounds>]`; null when it is not. */
export function redactedText(v: unknown): string | null {
  const m = markerOf(v);
  return m && typeof m !== 'string' ? `[redacted: ${m.$redacted.ground}]` : null;
}
