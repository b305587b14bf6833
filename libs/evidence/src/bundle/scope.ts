import type { EventEnvelope, EventStore } from '@app/event-store';
import { nextTurn } from '../next-turn';

/** What a bundle covers; the same shape as a disclosure request's scope. */
export interface BundleScope {
  patientPseudonyms: string[];
  aiSystemIds: string[];
  incidentIds: string[];
  /** Business-time window for the streams' first event (ISO 8601), inclusive. */
  from: string | null;
  to: string | null;
}

/** Members of `data` that hold an event's business time, in the order they are looked for (VERIFY.md B.9 lists them). */
export const TIME_FIELDS = [
  'decidedAt', 'occurredAt', 'awareAt', 'correctedAt', 'withdrawnAt', 'linkedAt', 'registeredAt', 'changedAt',
  'suspendedAt', 'resumedAt', 'receivedAt', 'exportedAt', 'deliveredAt', 'closedAt', 'activatedAt', 'placedAt', 'releasedAt',
];

/** When it happened (business time), as opposed to when the registry recorded it. */
export function businessTime(e: EventEnvelope): string {
  const d = e.data;
  for (const f of TIME_FIELDS) if (typeof d[f] === 'string') return d[f];
  for (const [k, v] of Object.entries(d)) if (k.endsWith('At') && typeof v === 'string') return v;
  return e.recordedAt;
}

function values(d: Record<string, unknown>, single: string, plural: string): string[] {
  const out: string[] = [];
  if (typeof d[single] === 'string') out.push(d[single]);
  if (Array.isArray(d[plural])) for (const v of d[plural] as unknown[]) if (typeof v === 'string') out.push(v);
  return out;
}

/**
 * What an event names that is in scope, as `patient:<pseudonym>`, `aiSystem:<id>` or
 * `incident:<id>`; judged on the event's own content only. Empty when it names nothing in scope.
 */
export function scopeMatcher(scope: BundleScope): (e: EventEnvelope) => string[] {
  // Each key string made once: a census holds one per matching stream, so they are shared, not copied.
  const keyed = (prefix: string, ids: string[]) => new Map(ids.map((id) => [id, `${prefix}:${id}`]));
  const patients = keyed('patient', scope.patientPseudonyms);
  const systems = keyed('aiSystem', scope.aiSystemIds);
  const incidents = keyed('incident', scope.incidentIds);
  const add = (keys: string[], known: Map<string, string>, ids: string[]) => {
    for (const id of ids) {
      const k = known.get(id);
      if (k !== undefined) keys.push(k);
    }
  };
  return (e) => {
    const d = e.data;
    const keys: string[] = [];
    add(keys, patients, values(d, 'patientPseudonym', 'patientPseudonyms'));
    add(keys, systems, values(d, 'aiSystemId', 'aiSystemIds'));
    add(keys, incidents, values(d, 'incidentId', 'incidentIds'));
    return keys;
  };
}

/** Streams in scope by their id alone: the systems' and incidents' own streams, and the ledger's keys. */
export function scopeKeysOfStreamId(streamId: string, scope: BundleScope): string[] {
  if (streamId === LEDGER_KEYS) return [LEDGER_KEYS];
  const keys: string[] = [];
  for (const id of scope.aiSystemIds) if (streamId === `ai-system-${id}`) keys.push(`aiSystem:${id}`);
  for (const id of scope.incidentIds) if (streamId === `incident-${id}`) keys.push(`incident:${id}`);
  return keys;
}

/** The period rule: a stream whose first event (business time) falls outside the period is left out. */
export function inPeriod(scope: BundleScope, firstAt: string): boolean {
  return (!scope.from || firstAt >= scope.from) && (!scope.to || firstAt <= scope.to);
}

/** The stream of the ledger's signing keys: always in a bundle, so signatures can be traced. */
export const LEDGER_KEYS = 'ledger-keys';

/** A stream that names something in scope (or is in scope by its id), as of the cut-off. */
export interface ScopedStream {
  streamId: string;
  /** Business time of its first event. */
  firstAt: string;
  /** Its last revision at the cut-off: a bundle holds revisions 0..headRevision of it, or none. */
  headRevision: number;
  /** Why it is in view, sorted: `patient:<p>`, `aiSystem:<id>`, `incident:<id>` or `ledger-keys`. */
  matchedBy: string[];
  /** In the bundle: matched, and its first event in the period (the key stream always). */
  included: boolean;
}

/** Events per page of the census: small, so that little of the log is alive at each young GC (ADR 0027). */
const CENSUS_PAGE = 250;

/**
 * Every stream in view of the scope at the cut-off, found from the events alone (no read model),
 * in one pass over the log: a stream is in when any of its events names a patient, system or
 * incident in scope and its first event falls in the period. Memory: one entry (first time, head
 * revision) per stream of the log while scanning, then only the streams in view; equal `matchedBy`
 * lists are one shared array. Keyed by stream id, in the order the streams first appear in the log.
 * Yields to the event loop between pages.
 */
export async function scopeCensus(store: EventStore, scope: BundleScope, cutoffPosition: number): Promise<Map<string, ScopedStream>> {
  // Entries become the census itself; streams that never match share one empty `matchedBy`.
  const none: string[] = [];
  const streams = new Map<string, ScopedStream>();
  const match = scopeMatcher(scope);
  let after = 0;
  while (after < cutoffPosition) {
    const batch = await store.readAll(after, CENSUS_PAGE, { raw: true });
    if (batch.length === 0) break;
    for (const e of batch) {
      if (e.globalPosition > cutoffPosition) break;
      let s = streams.get(e.streamId);
      if (!s) {
        const byId = scopeKeysOfStreamId(e.streamId, scope);
        s = { streamId: e.streamId, firstAt: businessTime(e), headRevision: e.streamRevision, matchedBy: byId.length ? byId : none, included: false };
        streams.set(e.streamId, s);
      }
      s.headRevision = e.streamRevision;
      for (const k of match(e)) {
        if (s.matchedBy === none) s.matchedBy = [k];
        else if (!s.matchedBy.includes(k)) s.matchedBy.push(k);
      }
    }
    after = batch[batch.length - 1].globalPosition;
    await nextTurn();
  }
  const shared = new Map<string, string[]>();
  for (const [streamId, s] of streams) {
    if (s.matchedBy.length === 0) {
      streams.delete(streamId);
      continue;
    }
    const key = JSON.stringify(s.matchedBy.sort());
    const same = shared.get(key);
    if (same) s.matchedBy = same;
    else shared.set(key, s.matchedBy);
    s.included = streamId === LEDGER_KEYS || inPeriod(scope, s.firstAt);
  }
  return streams;
}

/** The streams a bundle (or a reconstruction) of the scope holds at the cut-off. */
export async function streamsInScope(store: EventStore, scope: BundleScope, cutoffPosition: number): Promise<Set<string>> {
  const streams = new Set<string>();
  for (const [streamId, s] of await scopeCensus(store, scope, cutoffPosition)) if (s.included) streams.add(streamId);
  return streams;
}
