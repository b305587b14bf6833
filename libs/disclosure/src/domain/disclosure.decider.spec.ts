import { DomainError } from '@app/event-store/core';
import type { DisclosureCommand } from './disclosure.commands';
import { disclosureDecider } from './disclosure.decider';
import type { DisclosureEvent } from './disclosure.events';

const lawyer = { subject: 'lawyer-1', role: 'legal' };
const now = '2026-11-25T10:00:00.000Z';
const requestId = 'req-1';
const scope = { patientPseudonyms: [`p-${'a'.repeat(32)}`], aiSystemIds: [], incidentIds: [], from: null, to: null };
const receive = (over: Partial<DisclosureCommand> = {}): DisclosureCommand =>
  ({
    type: 'ReceiveDisclosureRequest', requestId, by: lawyer, now, reference: 'C/13/1', requester: { kind: 'court', name: 'Rechtbank' },
    legalBasis: 'PLD Art. 9', receivedAt: '2026-11-24T09:00:00.000Z', dueAt: '2026-12-08T09:00:00.000Z', scope, ...over,
  }) as DisclosureCommand;

function given(...events: DisclosureEvent[]) {
  const state = events.reduce(disclosureDecider.evolve, disclosureDecider.initialState());
  return {
    when: (c: DisclosureCommand) => ({
      then: (expected: object[]) => expect(disclosureDecider.decide(c, state)).toMatchObject(expected),
      fails: (code: string, status: number, field?: string) => {
        try {
          disclosureDecider.decide(c, state);
        } catch (e) {
          expect(e).toBeInstanceOf(DomainError);
          expect(e).toMatchObject({ code, status, ...(field ? { field } : {}) });
          return;
        }
        throw new Error('expected the command to fail');
      },
    }),
  };
}

const received = disclosureDecider.decide(receive(), disclosureDecider.initialState())[0];
const exported: DisclosureEvent = {
  type: 'disclosure.BundleExported',
  data: { requestId, bundleId: 'b-1', exportedBy: lawyer, exportedAt: now, treeSize: 10, rootHash: 'a'.repeat(64), eventCount: 3, byteSize: 100, bundleSha256: 'b'.repeat(64) },
};
const delivered: DisclosureEvent = {
  type: 'disclosure.DisclosureDelivered',
  data: { requestId, bundleId: 'b-1', channel: 'sftp', deliveredTo: 'counsel', deliveredBy: lawyer, deliveredAt: now },
};

describe('disclosure decider', () => {
  it('receives a request with its scope and deadline', () => {
    given().when(receive()).then([{ type: 'disclosure.DisclosureRequestReceived', data: { requestId, scope, receivedBy: lawyer } }]);
  });
  it('refuses an empty scope, a deadline before receipt, a receipt in the future, a duplicate', () => {
    given().when(receive({ scope: { ...scope, patientPseudonyms: [] } })).fails('scope-empty', 400, 'scope');
    given().when(receive({ dueAt: '2026-11-01T00:00:00.000Z' })).fails('due-before-received', 400, 'dueAt');
    given().when(receive({ receivedAt: '2027-01-01T00:00:00.000Z', dueAt: '2027-02-01T00:00:00.000Z' })).fails('received-in-future', 400, 'receivedAt');
    given(received).when(receive()).fails('disclosure-exists', 409);
  });
  it('records an export with its digests, and only on an open request', () => {
    const cmd = { type: 'RecordBundleExport', requestId, by: lawyer, now, bundleId: 'b-1', treeSize: 10, rootHash: 'a'.repeat(64), eventCount: 3, byteSize: 100, bundleSha256: 'b'.repeat(64) } as DisclosureCommand;
    given(received).when(cmd).then([exported]);
    given().when(cmd).fails('disclosure-not-found', 404);
    given(received).when({ ...cmd, bundleSha256: 'nope' } as DisclosureCommand).fails('invalid-digest', 400, 'bundleSha256');
  });
  it('delivers only an exported bundle, closes as disclosed only after delivery, and a refusal needs a reason', () => {
    const deliver = { type: 'RecordDelivery', requestId, by: lawyer, now, bundleId: 'b-1', channel: 'sftp', deliveredTo: 'counsel' } as DisclosureCommand;
    given(received).when(deliver).fails('bundle-not-found', 409, 'bundleId');
    given(received, exported).when(deliver).then([delivered]);
    const close = (outcome: string, reason: string | null) => ({ type: 'CloseDisclosure', requestId, by: lawyer, now, outcome, reason }) as DisclosureCommand;
    given(received, exported).when(close('disclosed', null)).fails('not-delivered', 409);
    given(received, exported, delivered).when(close('disclosed', null)).then([{ type: 'disclosure.DisclosureClosed', data: { outcome: 'disclosed' } }]);
    given(received).when(close('refused', ' ')).fails('reason-required', 400, 'reason');
    const closed = disclosureDecider.decide(close('refused', 'PLD Art. 9(4): trade secrets'), [received].reduce(disclosureDecider.evolve, disclosureDecider.initialState()))[0];
    given(received, closed).when(deliver).fails('disclosure-closed', 409);
  });
  it('discards a stored bundle with a reason, also after the request is closed, once; a discarded bundle is not delivered', () => {
    const discard = (reason: string) => ({ type: 'DiscardBundle', requestId, by: lawyer, now, bundleId: 'b-1', reason }) as DisclosureCommand;
    const discarded: DisclosureEvent = { type: 'disclosure.BundleDiscarded', data: { requestId, bundleId: 'b-1', reason: 'Claim settled', discardedBy: lawyer, discardedAt: now } };
    given(received).when(discard('Claim settled')).fails('bundle-not-found', 409, 'bundleId');
    given(received, exported).when(discard(' ')).fails('reason-required', 400, 'reason');
    const closed: DisclosureEvent = { type: 'disclosure.DisclosureClosed', data: { requestId, outcome: 'disclosed', reason: null, closedBy: lawyer, closedAt: now } };
    given(received, exported, delivered, closed).when(discard('Claim settled')).then([discarded]);
    given(received, exported, discarded).when(discard('again')).fails('bundle-discarded', 409, 'bundleId');
    given(received, exported, discarded).when({ type: 'RecordDelivery', requestId, by: lawyer, now, bundleId: 'b-1', channel: 'sftp', deliveredTo: 'counsel' }).fails('bundle-discarded', 409, 'bundleId');
    // The recorded hash stays; bundles recorded before they named their subjects hold the request's patients.
    const state = [received, exported, discarded].reduce(disclosureDecider.evolve, disclosureDecider.initialState());
    expect(state.bundles).toEqual([expect.objectContaining({ bundleSha256: 'b'.repeat(64), dataSubjects: scope.patientPseudonyms, discardedBy: lawyer, discardReason: 'Claim settled' })]);
  });
  it('accepts redactions as JSON pointers only', () => {
    const redact = (path: string) => ({ type: 'DecideRedactions', requestId, by: lawyer, now, redactions: [{ eventId: 'e-1', path, ground: 'trade-secret', note: null }] }) as DisclosureCommand;
    given(received).when(redact('/reason')).then([{ type: 'disclosure.RedactionsDecided' }]);
    given(received).when(redact('reason')).fails('invalid-path', 400, 'redactions.0.path');
  });
});
