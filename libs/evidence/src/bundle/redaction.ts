import { createHash } from 'node:crypto';
import type { EventEnvelope } from '@app/event-store';
import { canonicalJson } from '../ledger/canonical-json';

export interface RedactionRule {
  eventId: string;
  path: string;
  ground: string;
}

/** The marker left where a value was redacted: its hash keeps it provable if a court later asks. */
export interface RedactedValue {
  $redacted: { sha256: string; ground: string };
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Applies the redactions for one event (JSON pointers into `data`); returns a copy or the event itself. */
export function redact(e: EventEnvelope, rules: RedactionRule[]): { event: EventEnvelope; redacted: boolean } {
  const mine = rules.filter((r) => r.eventId === e.eventId);
  if (mine.length === 0) return { event: e, redacted: false };
  const data = structuredClone<Record<string, unknown>>(e.data);
  let changed = false;
  for (const r of mine) {
    const tokens = r.path.split('/').slice(1).map(unescape);
    let parent: Record<string, unknown> | undefined = data;
    for (const t of tokens.slice(0, -1)) parent = parent?.[t] as Record<string, unknown> | undefined;
    const last = tokens[tokens.length - 1];
    if (!parent || !(last in parent)) continue;
    const marker: RedactedValue = {
      $redacted: { sha256: createHash('sha256').update(canonicalJson(parent[last])).digest('hex'), ground: r.ground },
    };
    parent[last] = marker;
    changed = true;
  }
  return changed ? { event: { ...e, data }, redacted: true } : { event: e, redacted: false };
}
