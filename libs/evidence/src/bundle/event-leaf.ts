import { canonicalJson, memberName } from '../ledger/canonical-json';
import { leafHash } from '../ledger/merkle';
import { formatTwoLeaf, isFormatTwoLine } from './field-redaction';

/**
 * What one event line of a bundle gives, before anything else is known about it (VERIFY.md B.3–B.4):
 * whether the line is its own canonical form, and the leaf hash recomputed from it. It depends on
 * the line alone, so it is computed the same in the verifier's main thread and in its event-leaf
 * thread (ADR 0055), by this one function.
 */
export interface EventLeaf {
  /** The line is exactly the RFC 8785 form of what it parses to. */
  canonical: boolean;
  /** The recomputed leaf hash (RFC 9162 §2.1: SHA-256 of 0x00 ‖ leaf text). */
  leaf: Buffer;
  /** For a leaf-format-2 line: what formatTwoLeaf found wrong, and the members shown redacted. */
  two: { problems: string[]; redacted: Array<{ pointer: string; ground: string }> } | null;
}

/**
 * RFC 8785 form of an event line, and of the leaf (the same without `globalPosition`, DESIGN §5),
 * from one serialisation of each top-level member.
 */
export function canonicalEvent(e: Record<string, unknown>): { line: string; leaf: string } {
  let line = '{';
  let leaf = '{';
  for (const k of Object.keys(e).sort()) {
    if (e[k] === undefined) continue;
    const member = `${memberName(k)}${canonicalJson(e[k])}`;
    line += line.length === 1 ? member : `,${member}`;
    if (k !== 'globalPosition') leaf += leaf.length === 1 ? member : `,${member}`;
  }
  return { line: `${line}}`, leaf: `${leaf}}` };
}

/**
 * The canonical-form test and the leaf of an event line `line` that parsed to `ev`. Throws where
 * the line cannot be read as an event (the verifier reports it as not valid JSON).
 */
export function eventLeaf(ev: Record<string, unknown>, line: string): EventLeaf {
  // A format-2 line's canonical form comes with its leaf, from one walk (formatTwoLeaf).
  if (isFormatTwoLine(ev)) {
    const two = formatTwoLeaf(ev);
    return { canonical: two.line === line, leaf: leafHash(two.leaf), two: { problems: two.problems, redacted: two.redacted } };
  }
  const c = canonicalEvent(ev);
  return { canonical: c.line === line, leaf: leafHash(c.leaf), two: null };
}

/** Lines per message of the event-leaf thread (ADR 0055). */
export const LEAF_BATCH = 2048;
/** Per line of a batch: 0 when the thread did not compute it (the line throws: the main thread reads it itself), else these bits. */
export const FLAG_COMPUTED = 1;
export const FLAG_CANONICAL = 2;
export const FLAG_FORMAT_TWO = 4;
