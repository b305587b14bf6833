import type { EventEnvelope } from '@app/event-store';

export interface RedactionRule {
  eventId: string;
  path: string;
  ground: string;
}

/**
 * What a bundle shows of a redacted event (VERIFY.md B.8): its place and why, nothing of its
 * content. A value of today's events cannot be withheld on its own and stay provable (the leaf
 * hashes the values themselves, and an unsalted hash of a withheld value is guessed from a short
 * list), so the whole event is withheld: its leaf hash is shown, never its fields, and a verifier
 * counts it as withheld, not proven. `eventId` ties it to the signed redaction decision in the bundle.
 */
export interface WithheldEvent {
  $withheld: { eventId: string; ground: string };
  globalPosition: number;
  streamId: string;
  streamRevision: number;
}

/** The grounds of an event's redactions as one text: sorted, each once, joined with ", " (VERIFY.md B.8). */
export function groundsOf(rules: ReadonlyArray<Pick<RedactionRule, 'ground'>>): string {
  return [...new Set(rules.map((r) => r.ground))].sort().join(', ');
}

/** The event withheld under its redaction rules, or null when none is for it. */
export function withhold(e: EventEnvelope, rules: RedactionRule[]): WithheldEvent | null {
  const mine = rules.filter((r) => r.eventId === e.eventId);
  if (mine.length === 0) return null;
  return {
    $withheld: { eventId: e.eventId, ground: groundsOf(mine) },
    globalPosition: e.globalPosition,
    streamId: e.streamId,
    streamRevision: e.streamRevision,
  };
}

export function isWithheld(v: unknown): v is WithheldEvent {
  return typeof v === 'object' && v !== null && Object.hasOwn(v, '$withheld');
}
