import { createHash } from 'node:crypto';

/** Namespace of output ids: UUID v5 of "<aiSystemId>\n<outputReference>" (RFC 9562 §5.5). */
const OUTPUT_ID_NAMESPACE = '6f3c1e0a-2b47-4d8e-9a51-0c7d25e4b913';
const NAMESPACE_BYTES = Buffer.from(OUTPUT_ID_NAMESPACE.replace(/-/g, ''), 'hex');

/**
 * The id (and stream) of one output: the same system and reference always give the same id, so
 * the feed needs no lookup to stay idempotent, and a review finds the output it is of.
 * RFC 9562 §5.5 written out (SHA-1 of namespace ‖ name, version 5, variant 10): the `uuid`
 * package's `v5` made the name's bytes and the id's text in JavaScript, byte by byte, for every
 * output of a feed batch (ADR 0048); `output-id.spec.ts` holds this to `uuid`'s answer.
 */
export const outputIdOf = (aiSystemId: string, outputReference: string): string => {
  const hash = createHash('sha1').update(NAMESPACE_BYTES).update(`${aiSystemId.toLowerCase()}\n${outputReference}`, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
