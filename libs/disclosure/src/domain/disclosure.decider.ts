import { type Actor, type Decider, DomainError } from '@app/event-store/core';
import type { DisclosureCommand } from './disclosure.commands';
import type { DisclosureEvent, DisclosureScope, Redaction, RequesterKind } from './disclosure.events';

export interface DisclosureState {
  exists: boolean;
  requestId: string | null;
  reference: string | null;
  requester: { kind: RequesterKind; name: string } | null;
  legalBasis: string | null;
  receivedAt: string | null;
  dueAt: string | null;
  scope: DisclosureScope | null;
  redactions: Redaction[];
  bundles: Array<{
    bundleId: string;
    bundleSha256: string;
    treeSize: number;
    exportedAt: string;
    eventCount: number;
    dataSubjects: string[];
    discardedAt: string | null;
    discardedBy: Actor | null;
    discardReason: string | null;
  }>;
  deliveries: Array<{ bundleId: string; deliveredAt: string; deliveredTo: string }>;
  status: 'open' | 'closed';
  outcome: 'disclosed' | 'partly-refused' | 'refused' | null;
}

export const initialDisclosureState = (): DisclosureState => ({
  exists: false,
  requestId: null,
  reference: null,
  requester: null,
  legalBasis: null,
  receivedAt: null,
  dueAt: null,
  scope: null,
  redactions: [],
  bundles: [],
  deliveries: [],
  status: 'open',
  outcome: null,
});

const SHA256 = /^[0-9a-f]{64}$/;

function validScope(scope: DisclosureScope): void {
  const any = scope.patientPseudonyms.length + scope.aiSystemIds.length + scope.incidentIds.length;
  if (any === 0) {
    throw new DomainError('scope-empty', 'A disclosure needs at least one patient, AI system or incident in scope', 400, 'scope');
  }
  if (scope.from && scope.to && scope.from > scope.to) {
    throw new DomainError('scope-period-reversed', 'scope.from must not be after scope.to', 400, 'scope.from');
  }
}

function mustBeOpen(state: DisclosureState): void {
  if (!state.exists) throw new DomainError('disclosure-not-found', `No disclosure request ${state.requestId ?? ''}`.trim(), 404);
  if (state.status === 'closed') throw new DomainError('disclosure-closed', 'The disclosure request is closed', 409);
}

function bundleOf(state: DisclosureState, bundleId: string): DisclosureState['bundles'][number] {
  const bundle = state.bundles.find((b) => b.bundleId === bundleId);
  if (!bundle) throw new DomainError('bundle-not-found', `Bundle ${bundleId} was not exported for this request`, 409, 'bundleId');
  return bundle;
}

function decide(command: DisclosureCommand, state: DisclosureState): DisclosureEvent[] {
  const { requestId, by, now } = command;
  switch (command.type) {
    case 'ReceiveDisclosureRequest': {
      if (state.exists) throw new DomainError('disclosure-exists', `Disclosure request ${requestId} exists already`, 409);
      validScope(command.scope);
      if (command.dueAt <= command.receivedAt) {
        throw new DomainError('due-before-received', 'dueAt must be after receivedAt', 400, 'dueAt');
      }
      if (command.receivedAt > now) throw new DomainError('received-in-future', 'receivedAt is in the future', 400, 'receivedAt');
      const { type: _t, by: _b, now: _n, ...rest } = command;
      return [{ type: 'disclosure.DisclosureRequestReceived', data: { ...rest, receivedBy: by } }];
    }
    case 'ChangeDisclosureScope':
      mustBeOpen(state);
      validScope(command.scope);
      if (!command.reason.trim()) throw new DomainError('reason-required', 'Say why the scope changes', 400, 'reason');
      return [{ type: 'disclosure.DisclosureScopeChanged', data: { requestId, scope: command.scope, reason: command.reason, changedBy: by, changedAt: now } }];
    case 'DecideRedactions':
      mustBeOpen(state);
      for (const [i, r] of command.redactions.entries()) {
        if (!r.path.startsWith('/')) throw new DomainError('invalid-path', 'A redaction path is a JSON pointer such as /reason', 400, `redactions.${i}.path`);
      }
      return [{ type: 'disclosure.RedactionsDecided', data: { requestId, redactions: command.redactions, decidedBy: by, decidedAt: now } }];
    case 'RecordBundleExport':
      mustBeOpen(state);
      if (!SHA256.test(command.bundleSha256) || !SHA256.test(command.rootHash)) {
        throw new DomainError('invalid-digest', 'Digests are 64 lowercase hex characters', 400, 'bundleSha256');
      }
      return [
        {
          type: 'disclosure.BundleExported',
          data: {
            requestId,
            bundleId: command.bundleId,
            exportedBy: by,
            exportedAt: now,
            treeSize: command.treeSize,
            rootHash: command.rootHash,
            eventCount: command.eventCount,
            byteSize: command.byteSize,
            bundleSha256: command.bundleSha256,
            dataSubjects: command.dataSubjects,
          },
        },
      ];
    case 'DiscardBundle': {
      // Also after the request is closed: that is when a claim usually stops needing the bundle.
      if (!state.exists) throw new DomainError('disclosure-not-found', `No disclosure request ${requestId}`, 404);
      const bundle = bundleOf(state, command.bundleId);
      if (bundle.discardedAt) throw new DomainError('bundle-discarded', `Bundle ${command.bundleId} was discarded at ${bundle.discardedAt}`, 409, 'bundleId');
      if (!command.reason.trim()) throw new DomainError('reason-required', 'Say why the bundle is no longer needed', 400, 'reason');
      return [
        { type: 'disclosure.BundleDiscarded', data: { requestId, bundleId: command.bundleId, reason: command.reason, discardedBy: by, discardedAt: now } },
      ];
    }
    case 'RecordDelivery':
      mustBeOpen(state);
      if (bundleOf(state, command.bundleId).discardedAt) {
        throw new DomainError('bundle-discarded', `Bundle ${command.bundleId} was discarded`, 409, 'bundleId');
      }
      return [
        {
          type: 'disclosure.DisclosureDelivered',
          data: { requestId, bundleId: command.bundleId, channel: command.channel, deliveredTo: command.deliveredTo, deliveredBy: by, deliveredAt: now },
        },
      ];
    case 'CloseDisclosure':
      mustBeOpen(state);
      if (command.outcome !== 'disclosed' && !command.reason?.trim()) {
        throw new DomainError('reason-required', 'A (partial) refusal needs its reason, e.g. PLD Art. 9(4) trade secrets', 400, 'reason');
      }
      if (command.outcome === 'disclosed' && state.deliveries.length === 0) {
        throw new DomainError('not-delivered', 'Nothing has been delivered yet', 409);
      }
      return [{ type: 'disclosure.DisclosureClosed', data: { requestId, outcome: command.outcome, reason: command.reason, closedBy: by, closedAt: now } }];
  }
}

function evolve(state: DisclosureState, event: DisclosureEvent): DisclosureState {
  switch (event.type) {
    case 'disclosure.DisclosureRequestReceived': {
      const { receivedBy: _who, ...request } = event.data;
      return { ...state, ...request, exists: true };
    }
    case 'disclosure.DisclosureScopeChanged':
      return { ...state, scope: event.data.scope };
    case 'disclosure.RedactionsDecided':
      return { ...state, redactions: event.data.redactions };
    case 'disclosure.BundleExported': {
      const d = event.data;
      const bundle = {
        bundleId: d.bundleId,
        bundleSha256: d.bundleSha256,
        treeSize: d.treeSize,
        exportedAt: d.exportedAt,
        eventCount: d.eventCount,
        dataSubjects: d.dataSubjects ?? state.scope?.patientPseudonyms ?? [],
        discardedAt: null,
        discardedBy: null,
        discardReason: null,
      };
      return { ...state, bundles: [...state.bundles, bundle] };
    }
    case 'disclosure.BundleDiscarded': {
      const d = event.data;
      const discarded = { discardedAt: d.discardedAt, discardedBy: d.discardedBy, discardReason: d.reason };
      return { ...state, bundles: state.bundles.map((b) => (b.bundleId === d.bundleId ? { ...b, ...discarded } : b)) };
    }
    case 'disclosure.DisclosureDelivered':
      return {
        ...state,
        deliveries: [...state.deliveries, { bundleId: event.data.bundleId, deliveredAt: event.data.deliveredAt, deliveredTo: event.data.deliveredTo }],
      };
    case 'disclosure.DisclosureClosed':
      return { ...state, status: 'closed', outcome: event.data.outcome };
    default:
      return state;
  }
}

export const disclosureDecider: Decider<DisclosureState, DisclosureCommand, DisclosureEvent> = {
  initialState: initialDisclosureState,
  decide,
  evolve,
};
