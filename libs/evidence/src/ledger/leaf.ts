import type { EventEnvelope } from '@app/event-store';
import { canonicalJson, memberName, sortedKeys } from './canonical-json';
import { canonicalCommitted, commitmentSeedOf, commitmentText, FieldSalts, LEAF_FORMAT_2, withoutSeed } from './field-commitments';
import { leafHash } from './merkle';

/** One HMAC key schedule, rekeyed per event (leafText is synchronous). */
const sealing = new FieldSalts();

/**
 * Leaf format 1: the RFC 8785 form of the stored envelope without its global position
 * (DESIGN §5): the position is the leaf's place in the tree, not part of its content.
 *
 * Leaf format 2 (docs/adr/0039), for an event stored with a commitment seed in its metadata: the
 * same, but the seed is left out, every committed member of `data` and `metadata` is replaced by
 * `{"$commitment": SHA-256(salt ‖ its canonical JSON)}`, and `"leafFormat":2` is added, so no
 * format-1 text (whose envelope has no such member) is ever a format-2 one.
 */
export function leafText(e: EventEnvelope): string {
  const { globalPosition: _position, ...content } = e;
  const seed = commitmentSeedOf(e.metadata);
  if (seed === undefined) return canonicalJson(content);
  const salts = sealing.rekey(seed);
  const commit = (pointer: string, value: unknown) => commitmentText(salts.commitment(pointer, canonicalJson(value)));
  return canonicalTop({ ...content, leafFormat: LEAF_FORMAT_2 }, (k, v) =>
    k === 'data' || k === 'metadata' ? canonicalCommitted(k === 'metadata' ? withoutSeed(v as Record<string, unknown>) : v, `/${k}`, commit) : canonicalJson(v),
  );
}

/** Canonical JSON of a flat object whose members are each serialised by `member` (the leaf's top level). */
export function canonicalTop(o: Record<string, unknown>, member: (k: string, v: unknown) => string): string {
  let out = '{';
  for (const k of sortedKeys(o)) {
    const v = o[k];
    if (v === undefined) continue;
    if (out.length !== 1) out += ',';
    out += memberName(k) + member(k, v);
  }
  return out + '}';
}

export function leafBytes(e: EventEnvelope): Buffer {
  return Buffer.from(leafText(e), 'utf8');
}

export function eventLeafHash(e: EventEnvelope): Buffer {
  return leafHash(leafText(e));
}

/** 1 or 2: which leaf format an event stored like this is hashed with. */
export function leafFormatOf(e: Pick<EventEnvelope, 'metadata'>): 1 | 2 {
  return commitmentSeedOf(e.metadata) === undefined ? 1 : 2;
}
