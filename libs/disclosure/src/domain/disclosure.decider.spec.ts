import { DeciderSpecification } from '@app/event-store/testing';
import type { DisclosureCommand } from './disclosure.commands';
import { disclosureDecider } from './disclosure.decider';
import type { DisclosureEvent } from './disclosure.events';

const lawyer = { subject: 'lawyer-1', role: 'legal' };
const now = '2026-11-25T10:00:00.000Z';
const requestId = 'req-1';
const scope = { patientPseudonyms: [`p-${'a'.repeat(32)}`], aiSystemIds: [], incidentIds: [], from: null, to: null };
const receive = (over: Partial<DisclosureCommand> = {}): DisclosureCommand =>
  ({
    type: 'ReceiveDisclosureRequest',
    requestId,
    by: lawyer,
    now,
    reference: 'C/13/1',
    requester: { kind: 'court', name: 'Rechtbank' },
    legalBasis: 'PLD Art. 9',
    receivedAt: '2026-11-24T09:00:00.000Z',
    dueAt: '2026-12-08T09:00:00.000Z',
    scope,
    ...over,
  }) as DisclosureCommand;

const given = DeciderSpecification.for(disclosureDecider);

const received = disclosureDecider.decide(receive(), disclosureDecider.initialState())[0];
const exported: DisclosureEvent = {
  type: 'disclosure.BundleExported',
  data: {
    requestId,
    bundleId: 'b-1',
    exportedBy: lawyer,
    exportedAt: now,
    treeSize: 10,
    rootHash: 'a'.repeat(64),
    eventCount: 3,
    byteSize: 100,
    bundleSha256: 'b'.repeat(64),
  },
};
const delivered: DisclosureEvent = {
  type: 'disclosure.DisclosureDelivered',
  data: { requestId, bundleId: 'b-1', channel: 'sftp', deliveredTo: 'counsel', deliveredBy: lawyer, deliveredAt: now },
};

describe('disclosure decider', () => {
  it('receives a request with its scope and deadline', () => {
    given([])
      .when(receive())
      .thenMatches([{ type: 'disclosure.DisclosureRequestReceived', data: { requestId, scope, receivedBy: lawyer } }]);
  });
  it('refuses an empty scope, a deadline before receipt, a receipt in the future, a duplicate', () => {
    given([])
      .when(receive({ scope: { ...scope, patientPseudonyms: [] } }))
      .thenThrows({ code: 'scope-empty', status: 400, field: 'scope' });
    given([])
      .when(receive({ dueAt: '2026-11-01T00:00:00.000Z' }))
      .thenThrows({ code: 'due-before-received', status: 400, field: 'dueAt' });
    given([])
      .when(receive({ receivedAt: '2027-01-01T00:00:00.000Z', dueAt: '2027-02-01T00:00:00.000Z' }))
      .thenThrows({ code: 'received-in-future', status: 400, field: 'receivedAt' });
    given([received]).when(receive()).thenThrows({ code: 'disclosure-exists', status: 409 });
  });
  it('records an export with its digests, and only on an open request', () => {
    const cmd = {
      type: 'RecordBundleExport',
      requestId,
      by: lawyer,
      now,
      bundleId: 'b-1',
      treeSize: 10,
      rootHash: 'a'.repeat(64),
      eventCount: 3,
      byteSize: 100,
      bundleSha256: 'b'.repeat(64),
    } as DisclosureCommand;
    given([received]).when(cmd).thenMatches([exported]);
    given([]).when(cmd).thenThrows({ code: 'disclosure-not-found', status: 404 });
    given([received])
      .when({ ...cmd, bundleSha256: 'nope' } as DisclosureCommand)
      .thenThrows({ code: 'invalid-digest', status: 400, field: 'bundleSha256' });
  });
  it('delivers only an exported bundle, closes as disclosed only after delivery, and a refusal needs a reason', () => {
    const deliver = { type: 'RecordDelivery', requestId, by: lawyer, now, bundleId: 'b-1', channel: 'sftp', deliveredTo: 'counsel' } as DisclosureCommand;
    given([received]).when(deliver).thenThrows({ code: 'bundle-not-found', status: 409, field: 'bundleId' });
    given([received, exported]).when(deliver).thenMatches([delivered]);
    const close = (outcome: string, reason: string | null) => ({ type: 'CloseDisclosure', requestId, by: lawyer, now, outcome, reason }) as DisclosureCommand;
    given([received, exported]).when(close('disclosed', null)).thenThrows({ code: 'not-delivered', status: 409 });
    given([received, exported, delivered])
      .when(close('disclosed', null))
      .thenMatches([{ type: 'disclosure.DisclosureClosed', data: { outcome: 'disclosed' } }]);
    given([received]).when(close('refused', ' ')).thenThrows({ code: 'reason-required', status: 400, field: 'reason' });
    const closed = disclosureDecider.decide(
      close('refused', 'PLD Art. 9(4): trade secrets'),
      [received].reduce(disclosureDecider.evolve, disclosureDecider.initialState()),
    )[0];
    given([received, closed]).when(deliver).thenThrows({ code: 'disclosure-closed', status: 409 });
  });
  it('discards a stored bundle with a reason, also after the request is closed, once; a discarded bundle is not delivered', () => {
    const discard = (reason: string) => ({ type: 'DiscardBundle', requestId, by: lawyer, now, bundleId: 'b-1', reason }) as DisclosureCommand;
    const discarded: DisclosureEvent = {
      type: 'disclosure.BundleDiscarded',
      data: { requestId, bundleId: 'b-1', reason: 'Claim settled', discardedBy: lawyer, discardedAt: now },
    };
    given([received]).when(discard('Claim settled')).thenThrows({ code: 'bundle-not-found', status: 409, field: 'bundleId' });
    given([received, exported]).when(discard(' ')).thenThrows({ code: 'reason-required', status: 400, field: 'reason' });
    const closed: DisclosureEvent = {
      type: 'disclosure.DisclosureClosed',
      data: { requestId, outcome: 'disclosed', reason: null, closedBy: lawyer, closedAt: now },
    };
    given([received, exported, delivered, closed]).when(discard('Claim settled')).thenMatches([discarded]);
    given([received, exported, discarded]).when(discard('again')).thenThrows({ code: 'bundle-discarded', status: 409, field: 'bundleId' });
    given([received, exported, discarded])
      .when({ type: 'RecordDelivery', requestId, by: lawyer, now, bundleId: 'b-1', channel: 'sftp', deliveredTo: 'counsel' })
      .thenThrows({ code: 'bundle-discarded', status: 409, field: 'bundleId' });
    // The recorded hash stays; bundles recorded before they named their subjects hold the request's patients.
    const state = [received, exported, discarded].reduce(disclosureDecider.evolve, disclosureDecider.initialState());
    expect(state.bundles).toEqual([
      expect.objectContaining({ bundleSha256: 'b'.repeat(64), dataSubjects: scope.patientPseudonyms, discardedBy: lawyer, discardReason: 'Claim settled' }),
    ]);
  });
  it('accepts redactions as JSON pointers only', () => {
    const redact = (path: string) =>
      ({
        type: 'DecideRedactions',
        requestId,
        by: lawyer,
        now,
        redactions: [{ eventId: 'e-1', path, ground: 'trade-secret', note: null }],
      }) as DisclosureCommand;
    given([received])
      .when(redact('/reason'))
      .thenMatches([{ type: 'disclosure.RedactionsDecided' }]);
    given([received]).when(redact('reason')).thenThrows({ code: 'invalid-path', status: 400, field: 'redactions.0.path' });
  });
});
