import type { EventEnvelope } from '@app/event-store';
import { canonicalJson } from './canonical-json';
import { leafHash } from './merkle';

/**
 * A leaf is the RFC 8785 form of the stored envelope without its global position
 * (DESIGN §5): the position is the leaf's place in the tree, not part of its content.
 */
export function leafText(e: EventEnvelope): string {
  const { globalPosition: _position, ...content } = e;
  return canonicalJson(content);
}

export function leafBytes(e: EventEnvelope): Buffer {
  return Buffer.from(leafText(e), 'utf8');
}

export function eventLeafHash(e: EventEnvelope): Buffer {
  return leafHash(leafText(e));
}
