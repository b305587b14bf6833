/**
 * `@app/disclosure/contract`: the shapes of the disclosure API's answers, declared once and read
 * by the server and by the web app. Pure TypeScript: only this context's domain and
 * `@app/event-store/core` (test/architecture.spec.ts).
 */
import type { DisclosureState } from './domain/disclosure.decider';
import type { DisclosureScope } from './domain/disclosure.events';

export type { DisclosureScope } from './domain/disclosure.events';

/** A request as `GET /disclosure-requests` lists it: its read-model row. */
export interface DisclosureSummary {
  requestId: string;
  reference: string;
  requester: string;
  status: 'open' | 'closed';
  outcome: string | null;
  receivedAt: string;
  dueAt: string;
  scope: DisclosureScope;
  bundles: number;
  deliveries: number;
  revision: number;
}

/** The fields a received request always has (the decider's state leaves them null before receipt). */
type Received = 'requestId' | 'reference' | 'requester' | 'legalBasis' | 'receivedAt' | 'dueAt' | 'scope';

/** One request as `GET /disclosure-requests/:id` answers it: its stream folded, and its revision. */
export type DisclosureView = Omit<DisclosureState, Received | 'exists'> & { [K in Received]: NonNullable<DisclosureState[K]> } & {
  exists: true;
  revision: number | null;
};

/** The view of a received request; null before its receipt. */
export function disclosureView(state: DisclosureState, revision: number | null): DisclosureView | null {
  const { requestId, reference, requester, legalBasis, receivedAt, dueAt, scope } = state;
  if (!state.exists || requestId === null || reference === null || requester === null || legalBasis === null) return null;
  if (receivedAt === null || dueAt === null || scope === null) return null;
  return { ...state, exists: true, requestId, reference, requester, legalBasis, receivedAt, dueAt, scope, revision };
}

/** An export job as the API answers it (`POST …/bundles`, `GET …/bundles/:bundleId`). */
export interface BundleJobView {
  bundleId: string;
  requestId: string;
  status: 'running' | 'done' | 'failed';
  progress: { phase: string; done: number; total: number };
  startedAt: string;
  finishedAt: string | null;
  bundleSha256: string | null;
  byteSize: number | null;
  eventCount: number | null;
  error: string | null;
  /** Where the finished bundle is fetched; null until it is done. */
  download: string | null;
}
