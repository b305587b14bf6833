import { fold } from '@app/event-store/core';
import { DeciderSpecification } from '@app/event-store/testing';
import {
  earliestOpenDeadline,
  isNoticeOverdue,
  noticeDeadlines,
  type ReceiveSupplierNotice,
  type SupplierNoticeCommand,
  type SupplierNoticeEvent,
  type SupplierNoticeReceivedData,
  supplierNoticeDecider,
  supplierNoticeStreamId,
} from './index';

const noticeId = '0193a1b2-0000-7000-8000-0000000000a1';
const systemId = '0193a1b2-0000-7000-8000-000000000001';
const qm = { subject: 'qm-1', role: 'quality-manager' };
const t0 = '2027-02-01T09:00:00.000Z';
const t1 = '2027-02-10T09:00:00.000Z';
const t2 = '2027-02-20T09:00:00.000Z';

const receive = (more: Partial<ReceiveSupplierNotice> = {}): ReceiveSupplierNotice => ({
  type: 'ReceiveSupplierNotice',
  supplierNoticeId: noticeId,
  aiSystemId: systemId,
  system: { exists: true, knownVersions: ['2.2.0', '2.3.1'] },
  kind: 'field-safety-notice',
  supplierReference: ' FSN-2027-004 ',
  title: 'Missed pneumothorax on portable X-rays',
  receivedAt: null,
  affectedVersions: ['2.3.1'],
  unknownVersionsReason: null,
  requestedAction: { description: 'Install 2.3.2', dueBy: '2027-03-01' },
  actBy: '2027-02-15T12:00:00Z',
  documentReference: 'https://acme.example/fsn/2027-004.pdf',
  by: qm,
  now: t0,
  ...more,
});

const receivedData: SupplierNoticeReceivedData = {
  supplierNoticeId: noticeId,
  aiSystemId: systemId,
  kind: 'field-safety-notice',
  supplierReference: 'FSN-2027-004',
  title: 'Missed pneumothorax on portable X-rays',
  receivedAt: t0,
  affectedVersions: ['2.3.1'],
  unknownVersionsReason: null,
  // 1 March 2027 to its end in Amsterdam (CET, UTC+1).
  requestedAction: { description: 'Install 2.3.2', dueBy: '2027-03-01T22:59:59.999Z' },
  actBy: '2027-02-15T12:00:00.000Z',
  documentReference: 'https://acme.example/fsn/2027-004.pdf',
  receivedBy: qm,
};
const received: SupplierNoticeEvent = { type: 'ai-systems.SupplierNoticeReceived', data: receivedData };

const action = (more: Partial<SupplierNoticeCommand> = {}): SupplierNoticeCommand =>
  ({
    type: 'RecordSupplierNoticeAction',
    supplierNoticeId: noticeId,
    description: 'Told radiologists to double-read portable X-rays',
    doneAt: null,
    completesRequestedAction: false,
    by: qm,
    now: t1,
    ...more,
  }) as SupplierNoticeCommand;
const actionRecorded = (completes = false, doneAt = t1): SupplierNoticeEvent => ({
  type: 'ai-systems.SupplierNoticeActionRecorded',
  data: { supplierNoticeId: noticeId, aiSystemId: systemId, description: 'Installed 2.3.2', doneAt, completesRequestedAction: completes, doneBy: qm },
});
const close = (conclusion = 'Patched and verified on 20 test studies'): SupplierNoticeCommand => ({
  type: 'CloseSupplierNotice',
  supplierNoticeId: noticeId,
  conclusion,
  by: qm,
  now: t2,
});
const closed: SupplierNoticeEvent = {
  type: 'ai-systems.SupplierNoticeClosed',
  data: { supplierNoticeId: noticeId, aiSystemId: systemId, conclusion: 'Patched and verified on 20 test studies', closedAt: t2, closedBy: qm },
};

const stateAfter = (events: SupplierNoticeEvent[]) => fold(supplierNoticeDecider, events);

const given = DeciderSpecification.for(supplierNoticeDecider);

describe('supplier notice decider', () => {
  it('names the stream supplier-notice-<id>', () => {
    expect(supplierNoticeStreamId(noticeId)).toBe(`supplier-notice-${noticeId}`);
  });

  describe('ReceiveSupplierNotice', () => {
    it('records the notice, trimmed, with a date-only deadline run to the end of that day in Amsterdam', () => {
      given([]).when(receive()).then([received]);
    });

    it('does not copy fields the event does not define', () => {
      const [event] = supplierNoticeDecider.decide({ ...receive(), note: 'stray' } as ReceiveSupplierNotice, supplierNoticeDecider.initialState());
      expect(Object.keys(event.data).sort()).toEqual(Object.keys(receivedData).sort());
    });

    it('takes a received date as the start of that day in Amsterdam, and no deadlines as none', () => {
      const [event] = supplierNoticeDecider.decide(
        receive({ receivedAt: '2027-01-31', requestedAction: null, actBy: null, affectedVersions: ['2.3.1', ' 2.3.1', '2.2.0'] }),
        supplierNoticeDecider.initialState(),
      );
      expect(event.data).toMatchObject({ receivedAt: '2027-01-30T23:00:00.000Z', requestedAction: null, actBy: null, affectedVersions: ['2.3.1', '2.2.0'] });
    });

    it('refuses a version the register does not know for the system, unless the notice says why', () => {
      given([])
        .when(receive({ affectedVersions: ['2.3.1', '2.4.0'] }))
        .thenThrows({ code: 'version-not-known', status: 422, field: 'affectedVersions' });
      const [event] = supplierNoticeDecider.decide(
        receive({ affectedVersions: ['2.4.0'], unknownVersionsReason: ' Supplier lists every 2.x; we never ran 2.4.0 ' }),
        supplierNoticeDecider.initialState(),
      );
      expect(event.data).toMatchObject({ affectedVersions: ['2.4.0'], unknownVersionsReason: 'Supplier lists every 2.x; we never ran 2.4.0' });
    });

    it('refuses a notice for a system the register does not hold', () => {
      given([])
        .when(receive({ system: { exists: false, knownVersions: [] } }))
        .thenThrows({ code: 'ai-system-not-found', status: 404, field: 'aiSystemId' });
    });

    it('refuses blank texts and no versions, naming the field', () => {
      given([])
        .when(receive({ title: ' ' }))
        .thenThrows({ code: 'title-required', status: 400, field: 'title' });
      given([])
        .when(receive({ supplierReference: '' }))
        .thenThrows({ code: 'supplier-reference-required', status: 400, field: 'supplierReference' });
      given([])
        .when(receive({ affectedVersions: [' '] }))
        .thenThrows({ code: 'affected-versions-required', status: 400, field: 'affectedVersions' });
      given([])
        .when(receive({ requestedAction: { description: ' ', dueBy: null } }))
        .thenThrows({ code: 'description-required', status: 400, field: 'requestedAction.description' });
    });

    it('refuses a receipt in the future and deadlines before the receipt', () => {
      given([])
        .when(receive({ receivedAt: '2027-02-01T10:00:00Z' }))
        .thenThrows({ code: 'in-the-future', status: 422, field: 'receivedAt' });
      given([])
        .when(receive({ actBy: '2027-01-31' }))
        .thenThrows({ code: 'before-receipt', status: 422, field: 'actBy' });
      given([])
        .when(receive({ requestedAction: { description: 'Patch', dueBy: '2027-01-01T00:00:00Z' } }))
        .thenThrows({ code: 'before-receipt', status: 422, field: 'requestedAction.dueBy' });
      given([])
        .when(receive({ actBy: '2027-02-30' }))
        .thenThrows({ code: 'invalid-date', status: 400, field: 'actBy' });
    });

    it('refuses a notice that is already recorded', () => {
      given([received]).when(receive()).thenThrows({ code: 'supplier-notice-exists', status: 409 });
    });
  });

  describe('on a notice that is not recorded', () => {
    it.each([action(), close()])('refuses $type with 404', (command) => {
      given([]).when(command).thenThrows({ code: 'supplier-notice-not-found', status: 404 });
    });
  });

  describe('RecordSupplierNoticeAction', () => {
    it('records what was done, by whom and when', () => {
      given([received])
        .when(action({ description: ' Installed 2.3.2 ', doneAt: '2027-02-09T16:00:00Z', completesRequestedAction: true }))
        .then([actionRecorded(true, '2027-02-09T16:00:00.000Z')]);
    });

    it('refuses a blank description, a time in the future and a time before the notice arrived', () => {
      given([received])
        .when(action({ description: '  ' }))
        .thenThrows({ code: 'description-required', status: 400, field: 'description' });
      given([received])
        .when(action({ doneAt: '2027-02-11T00:00:00Z' }))
        .thenThrows({ code: 'in-the-future', status: 422, field: 'doneAt' });
      given([received])
        .when(action({ doneAt: '2027-01-31T00:00:00Z' }))
        .thenThrows({ code: 'before-receipt', status: 422, field: 'doneAt' });
    });

    it('refuses an action on a closed notice', () => {
      given([received, closed]).when(action()).thenThrows({ code: 'supplier-notice-closed', status: 409 });
    });
  });

  describe('CloseSupplierNotice', () => {
    it('closes with a conclusion', () => {
      given([received, actionRecorded(true)])
        .when(close('  Patched and verified on 20 test studies '))
        .then([closed]);
    });

    it('refuses a blank conclusion and a second close', () => {
      given([received]).when(close(' ')).thenThrows({ code: 'conclusion-required', status: 400, field: 'conclusion' });
      given([received, closed]).when(close()).thenThrows({ code: 'supplier-notice-closed', status: 409 });
    });
  });

  describe('deadlines', () => {
    it('run from receipt: the supplier’s date and the hospital’s own, the earliest first', () => {
      const state = stateAfter([received]);
      expect(noticeDeadlines(state)).toEqual([
        { kind: 'requested-action', dueAt: '2027-03-01T22:59:59.999Z', metAt: null },
        { kind: 'act-by', dueAt: '2027-02-15T12:00:00.000Z', metAt: null },
      ]);
      expect(earliestOpenDeadline(state)).toBe('2027-02-15T12:00:00.000Z');
      expect(isNoticeOverdue(state, '2027-02-15T12:00:00.000Z')).toBe(false);
      expect(isNoticeOverdue(state, '2027-02-15T12:00:00.001Z')).toBe(true);
    });

    it('an action that does not complete what the notice asks meets nothing', () => {
      expect(isNoticeOverdue(stateAfter([received, actionRecorded(false)]), '2027-03-02T00:00:00.000Z')).toBe(true);
    });

    it('are met by the first action that completes what the notice asks, late or not', () => {
      const state = stateAfter([received, actionRecorded(false, t0), actionRecorded(true, '2027-02-16T08:00:00.000Z'), actionRecorded(true, t2)]);
      expect(noticeDeadlines(state).map((d) => d.metAt)).toEqual(['2027-02-16T08:00:00.000Z', '2027-02-16T08:00:00.000Z']);
      expect(earliestOpenDeadline(state)).toBeNull();
      expect(isNoticeOverdue(state, '2027-04-01T00:00:00.000Z')).toBe(false);
    });

    it('are met by closing the notice', () => {
      const state = stateAfter([received, closed]);
      expect(state).toMatchObject({ status: 'closed', closure: { conclusion: 'Patched and verified on 20 test studies', closedAt: t2 } });
      expect(noticeDeadlines(state).every((d) => d.metAt === t2)).toBe(true);
      expect(isNoticeOverdue(state, '2027-04-01T00:00:00.000Z')).toBe(false);
    });

    it('none without dates', () => {
      const state = stateAfter([{ ...received, data: { ...receivedData, requestedAction: null, actBy: null } }]);
      expect(earliestOpenDeadline(state)).toBeNull();
    });
  });

  it('ignores event types it does not know', () => {
    const later = { type: 'ai-systems.SupplierNoticeReopened', data: {} } as unknown as SupplierNoticeEvent;
    expect(stateAfter([received, later])).toEqual(stateAfter([received]));
  });
});
