import type { EventEnvelope, EventStore } from '@app/event-store';
import { nextTurn } from '../next-turn';

/** What a bundle covers; the same shape as a disclosure request's scope. */
export interface BundleScope {
  patientPseudonyms: string[];
  aiSystemIds: string[];
  incidentIds: string[];
  /** Business-time window (ISO 8601), inclusive: a stream is in when any of its events falls in it. */
  from: string | null;
  to: string | null;
}

/** Members of `data` that hold an event's business time, in the order they are looked for (VERIFY.md B.9 lists them). */
export const TIME_FIELDS = [
  'decidedAt',
  'occurredAt',
  'awareAt',
  'correctedAt',
  'withdrawnAt',
  'linkedAt',
  'registeredAt',
  'changedAt',
  'suspendedAt',
  'resumedAt',
  'receivedAt',
  'exportedAt',
  'deliveredAt',
  'closedAt',
  'activatedAt',
  'placedAt',
  'releasedAt',
];

/** When it happened (business time), as opposed to when the registry recorded it. */
export function businessTime(e: EventEnvelope): string {
  const d = e.data;
  if (typeof d !== 'object' || d === null) return e.recordedAt; // a verifier reads hostile lines too
  for (const f of TIME_FIELDS) if (typeof d[f] === 'string') return d[f];
  // Else the first member ending in `At` in the line's canonical order (B.9), whatever order the
  // stored event has: the writer reads stored events, the verifiers read canonical lines.
  let first: string | undefined;
  for (const [k, v] of Object.entries(d)) if (k.endsWith('At') && typeof v === 'string' && (first === undefined || k < first)) first = k;
  return first === undefined ? e.recordedAt : (d[first] as string);
}

/** Members that name a scope key, at any depth of `data`, with the key's prefix (VERIFY.md B.9). */
export const NAMING_MEMBERS: ReadonlyMap<string, 'patient' | 'aiSystem' | 'incident'> = new Map([
  ['patientPseudonym', 'patient'],
  ['patientPseudonyms', 'patient'],
  ['aiSystemId', 'aiSystem'],
  ['aiSystemIds', 'aiSystem'],
  ['incidentId', 'incident'],
  ['incidentIds', 'incident'],
] as const);

/**
 * Every (prefix, value) an event's data names: a naming member anywhere in `data` (a legal hold's
 * or a disclosure request's `scope` names its subjects one level down), string values only. An
 * explicit stack, not recursion: a verifier walks hostile lines too.
 */
function namedValues(data: unknown, visit: (prefix: 'patient' | 'aiSystem' | 'incident', value: string) => void): void {
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (const x of v) if (typeof x === 'object' && x !== null) stack.push(x);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    const o = v as Record<string, unknown>;
    // Keys, not Object.entries: no pair array per member (the census walks every event's data).
    for (const k of Object.keys(o)) {
      const x = o[k];
      const prefix = NAMING_MEMBERS.get(k);
      if (prefix !== undefined) {
        if (typeof x === 'string') visit(prefix, x);
        else if (Array.isArray(x)) for (const y of x) if (typeof y === 'string') visit(prefix, y);
      }
      if (typeof x === 'object' && x !== null) stack.push(x);
    }
  }
}

/**
 * What an event names that is in scope, as `patient:<pseudonym>`, `aiSystem:<id>` or
 * `incident:<id>`; judged on the event's own content only. Empty when it names nothing in scope.
 */
export function scopeMatcher(scope: BundleScope): (e: EventEnvelope) => string[] {
  // Each key string made once: a census holds one per matching stream, so they are shared, not copied.
  const keyed = (prefix: string, ids: string[]) => new Map(ids.map((id) => [id, `${prefix}:${id}`]));
  const known = {
    patient: keyed('patient', scope.patientPseudonyms),
    aiSystem: keyed('aiSystem', scope.aiSystemIds),
    incident: keyed('incident', scope.incidentIds),
  };
  return (e) => {
    const keys: string[] = [];
    namedValues(e.data, (prefix, value) => {
      const k = known[prefix].get(value);
      if (k !== undefined && !keys.includes(k)) keys.push(k);
    });
    return keys;
  };
}

/**
 * Streams in scope by their id alone: the systems' and incidents' own streams, a patient's erasure
 * decisions (`data-subject-<pseudonym>`, whose events name the patient only as `pseudonym`), and
 * the ledger's keys.
 */
export function scopeKeysOfStreamId(streamId: string, scope: BundleScope): string[] {
  if (streamId === LEDGER_KEYS) return [LEDGER_KEYS];
  const keys: string[] = [];
  for (const p of scope.patientPseudonyms) if (streamId === `data-subject-${p}`) keys.push(`patient:${p}`);
  for (const id of scope.aiSystemIds) if (streamId === `ai-system-${id}`) keys.push(`aiSystem:${id}`);
  for (const id of scope.incidentIds) if (streamId === `incident-${id}`) keys.push(`incident:${id}`);
  return keys;
}

/**
 * Whether a business time is in the period (both ends included). A stream is in the bundle when
 * any of its events is, not only its first: a correction inside the period of a review made before it counts.
 */
export function inPeriod(scope: BundleScope, at: string): boolean {
  return (!scope.from || at >= scope.from) && (!scope.to || at <= scope.to);
}

/** Streams of the compliance files (libs/compliance): one per AI system, in a bundle whole when the system is in scope. */
export const COMPLIANCE_FILE = 'compliance-file-';

/** The stream of the ledger's signing keys: always in a bundle, so signatures can be traced. */
export const LEDGER_KEYS = 'ledger-keys';

/**
 * Streams in a bundle whatever the period (VERIFY.md B.9): the ledger's keys; the own stream of
 * each AI system in scope (its registration, versions and review limits: coverage's overdue
 * figures need the limit the system had, however long before the period it was set; B.15); and
 * the compliance file of an AI system in scope (B.16), because which documents and which
 * classification held on the days of the period are facts of the file whatever day they were recorded.
 */
export function includedAlways(streamId: string, scope: BundleScope, matchedBy: readonly string[]): boolean {
  return (
    streamId === LEDGER_KEYS ||
    scope.aiSystemIds.some((id) => streamId === `ai-system-${id}`) ||
    (streamId.startsWith(COMPLIANCE_FILE) && matchedBy.some((k) => k.startsWith('aiSystem:')))
  );
}

/** A stream that names something in scope (or is in scope by its id), as of the cut-off. */
export interface ScopedStream {
  streamId: string;
  /** Business time of its first event. */
  firstAt: string;
  /** Its last revision at the cut-off: a bundle holds revisions 0..headRevision of it, or none. */
  headRevision: number;
  /** Why it is in view, sorted: `patient:<p>`, `aiSystem:<id>`, `incident:<id>` or `ledger-keys`. */
  matchedBy: string[];
  /** In the bundle: matched, and one of its events in the period (the key stream and the systems' own streams always). */
  included: boolean;
}

/** Events per page of the census: small, so that little of the log is alive at each young GC (ADR 0027). */
const CENSUS_PAGE = 250;

/**
 * Every stream in view of the scope at the cut-off, found from the events alone (no read model),
 * in one pass over the log: a stream is in when any of its events names a patient, system or
 * incident in scope and any of its events falls in the period. Memory: one entry (first time, head
 * revision) per stream of the log while scanning, then only the streams in view; equal `matchedBy`
 * lists are one shared array. Keyed by stream id, in the order the streams first appear in the log.
 * Yields to the event loop between pages.
 */
export async function scopeCensus(store: EventStore, scope: BundleScope, cutoffPosition: number): Promise<Map<string, ScopedStream>> {
  // Entries become the census itself; streams that never match share one empty `matchedBy`.
  const none: string[] = [];
  const streams = new Map<string, ScopedStream>();
  const match = scopeMatcher(scope);
  const open = !scope.from && !scope.to;
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
      // `included` collects "some event in the period" while scanning; the match is added below.
      if (!s.included && (open || inPeriod(scope, businessTime(e)))) s.included = true;
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
    s.included = s.included || includedAlways(streamId, scope, s.matchedBy);
  }
  return streams;
}

/** The streams a bundle (or a reconstruction) of the scope holds at the cut-off. */
export async function streamsInScope(store: EventStore, scope: BundleScope, cutoffPosition: number): Promise<Set<string>> {
  const streams = new Set<string>();
  for (const [streamId, s] of await scopeCensus(store, scope, cutoffPosition)) if (s.included) streams.add(streamId);
  return streams;
}
