import type { EventEnvelope, EventStore } from '@app/event-store';

/** What a bundle covers; the same shape as a disclosure request's scope. */
export interface BundleScope {
  patientPseudonyms: string[];
  aiSystemIds: string[];
  incidentIds: string[];
  /** Business-time window for the streams' first event (ISO 8601), inclusive. */
  from: string | null;
  to: string | null;
}

const TIME_FIELDS = [
  'decidedAt', 'occurredAt', 'awareAt', 'correctedAt', 'withdrawnAt', 'linkedAt', 'registeredAt', 'changedAt',
  'suspendedAt', 'resumedAt', 'receivedAt', 'exportedAt', 'deliveredAt', 'closedAt', 'activatedAt', 'placedAt', 'releasedAt',
];

/** When it happened (business time), as opposed to when the registry recorded it. */
export function businessTime(e: EventEnvelope): string {
  const d = e.data as Record<string, unknown>;
  for (const f of TIME_FIELDS) if (typeof d[f] === 'string') return d[f] as string;
  for (const [k, v] of Object.entries(d)) if (k.endsWith('At') && typeof v === 'string') return v;
  return e.recordedAt;
}

function values(d: Record<string, unknown>, single: string, plural: string): string[] {
  const out: string[] = [];
  if (typeof d[single] === 'string') out.push(d[single] as string);
  if (Array.isArray(d[plural])) for (const v of d[plural] as unknown[]) if (typeof v === 'string') out.push(v);
  return out;
}

/** Does this event put its stream in scope? Judged on the event's own content only. */
export function touchesScope(e: EventEnvelope, scope: BundleScope): boolean {
  const d = e.data as Record<string, unknown>;
  const systems = new Set(scope.aiSystemIds);
  const patients = new Set(scope.patientPseudonyms);
  const incidents = new Set(scope.incidentIds);
  if (values(d, 'patientPseudonym', 'patientPseudonyms').some((p) => patients.has(p))) return true;
  if (values(d, 'aiSystemId', 'aiSystemIds').some((s) => systems.has(s))) return true;
  if (values(d, 'incidentId', 'incidentIds').some((i) => incidents.has(i))) return true;
  return false;
}

/**
 * Streams in scope at the cut-off, found from the events alone (no read model): a stream is in
 * when any of its events names a patient, system or incident in scope and its first event falls
 * in the period. The ledger's key stream always comes along so signatures can be traced.
 */
export async function streamsInScope(store: EventStore, scope: BundleScope, cutoffPosition: number): Promise<Set<string>> {
  const firstTime = new Map<string, string>();
  const touched = new Set<string>(['ledger-keys']);
  let after = 0;
  while (after < cutoffPosition) {
    const batch = await store.readAll(after, 5000, { raw: true });
    if (batch.length === 0) break;
    for (const e of batch) {
      if (e.globalPosition > cutoffPosition) break;
      if (!firstTime.has(e.streamId)) firstTime.set(e.streamId, businessTime(e));
      if (touchesScope(e, scope)) touched.add(e.streamId);
    }
    after = batch[batch.length - 1].globalPosition;
  }
  for (const id of scope.aiSystemIds) touched.add(`ai-system-${id}`);
  for (const id of scope.incidentIds) touched.add(`incident-${id}`);
  const inPeriod = (t: string | undefined) => !t || ((!scope.from || t >= scope.from) && (!scope.to || t <= scope.to));
  return new Set([...touched].filter((s) => s === 'ledger-keys' || (firstTime.has(s) && inPeriod(firstTime.get(s)))));
}
