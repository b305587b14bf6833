import type { EncryptedText } from '@app/event-store/core';
import { DeciderSpecification } from '@app/event-store/testing';
import {
  monthsAfter,
  type ReceiveSubjectRequest,
  type RequestPolicy,
  requestDeadline,
  type SubjectRequestEvent,
  subjectRequestDecider,
  type SubjectRequestReceivedData,
} from './index';

/**
 * Explanation requests (AI Act Art. 86) and access requests (GDPR Art. 15) with the deadline of
 * GDPR Art. 12(3): "within one month of receipt of the request", "may be extended by two further
 * months where necessary", the data subject informed "within one month of receipt of the request,
 * together with the reasons for the delay" (docs/compliance.md, ADR 0051).
 */
const requestId = '0193a1b2-0000-7000-8000-00000000aa01';
const aiSystemId = '0193a1b2-0000-7000-8000-000000000001';
const patientPseudonym = 'p_' + 'a'.repeat(43);
const legal = { subject: 'legal-1', role: 'legal' };
const enc = (ct: string): EncryptedText => ({ enc: 'aes-256-gcm', kid: 'k1', iv: 'aXY=', ct });
const strict: RequestPolicy = { counting: 'strict', explanationMonths: 1, adoptedBy: null };
const given = DeciderSpecification.for(subjectRequestDecider);

const receivedAt = '2027-01-31T09:00:00.000Z'; // 10:00 in Amsterdam
const now = '2027-02-10T12:00:00.000Z';

const receive = (more: Partial<ReceiveSubjectRequest> = {}): ReceiveSubjectRequest => ({
  type: 'ReceiveSubjectRequest',
  requestId,
  by: legal,
  now,
  kind: 'access',
  patientPseudonym,
  aiSystemId: null,
  aiSystemExists: false,
  receivedAt,
  channel: 'letter',
  description: enc('ZGV0YWlscw=='),
  policy: strict,
  ...more,
});

const receivedData = (more: Partial<SubjectRequestReceivedData> = {}): SubjectRequestReceivedData => ({
  requestId,
  kind: 'access',
  patientPseudonym,
  aiSystemId: null,
  receivedAt,
  channel: 'letter',
  description: enc('ZGV0YWlscw=='),
  initialDeadline: requestDeadline('access', receivedAt, 1, strict),
  recordedBy: legal,
  recordedAt: now,
  ...more,
});
const received = (more: Partial<SubjectRequestReceivedData> = {}): SubjectRequestEvent => ({
  type: 'compliance.SubjectRequestReceived',
  data: receivedData(more),
});

describe('month arithmetic (Regulation 1182/71 Art. 3 or the strict reading, J20)', () => {
  it('31 January plus one month is the last day of February, 28 in a common year and 29 in a leap year', () => {
    expect(monthsAfter('2027-01-31T09:00:00.000Z', 1, 'strict')).toBe('2027-02-28T09:00:00.000Z');
    expect(monthsAfter('2028-01-31T09:00:00.000Z', 1, 'strict')).toBe('2028-02-29T09:00:00.000Z');
  });

  it('Art. 3(2)(c): the period ends at the end of the day with the same date, in Amsterdam (23:00 UTC in winter)', () => {
    expect(monthsAfter('2027-01-15T09:00:00.000Z', 1, 'reg-1182-71')).toBe('2027-02-15T22:59:59.999Z');
    expect(monthsAfter('2027-01-31T09:00:00.000Z', 1, 'reg-1182-71')).toBe('2027-02-28T22:59:59.999Z');
  });

  it('counts the date in Amsterdam: a request at 00:30 on 1 March local (23:30 UTC on 28 February) runs to 1 April', () => {
    expect(monthsAfter('2027-02-28T23:30:00.000Z', 1, 'strict')).toBe('2027-03-31T22:30:00.000Z');
  });

  it('the strict reading never ends later than Regulation 1182/71', () => {
    for (const at of ['2027-01-31T09:00:00.000Z', '2027-03-31T21:59:00.000Z', '2027-10-30T23:30:00.000Z']) {
      expect(Date.parse(monthsAfter(at, 1, 'strict'))).toBeLessThanOrEqual(Date.parse(monthsAfter(at, 1, 'reg-1182-71')));
    }
  });
});

describe('subject requests: received', () => {
  it('Given nothing, When an access request is received on 31 January, Then it is due on 28 February as law (GDPR Art. 12(3))', () => {
    given([])
      .when(receive())
      .then((events) => {
        expect(events).toEqual([received()]);
        const d = (events[0].data as SubjectRequestReceivedData).initialDeadline;
        expect(d).toMatchObject({ dueAt: '2027-02-28T09:00:00.000Z', months: 1, nature: 'law', counting: 'strict' });
        expect(d.basis).toContain('GDPR Art. 12(3)');
      });
  });

  it("Given nothing, When an explanation request is received, Then its period is the hospital's policy (Art. 86 sets none)", () => {
    given([])
      .when(
        receive({
          kind: 'explanation',
          aiSystemId,
          aiSystemExists: true,
          policy: { counting: 'reg-1182-71', explanationMonths: 2, adoptedBy: 'RvB 2026-12-01' },
        }),
      )
      .then((events) => {
        const d = (events[0].data as SubjectRequestReceivedData).initialDeadline;
        expect(d).toMatchObject({ dueAt: '2027-03-31T21:59:59.999Z', months: 2, nature: 'hospital-policy', adoptedBy: 'RvB 2026-12-01' });
        expect(d.basis).toContain('AI Act Art. 86 sets no period');
      });
  });

  it('Given nothing, When an explanation request names no AI system, Then it is refused naming aiSystemId', () => {
    given([])
      .when(receive({ kind: 'explanation' }))
      .thenThrows({ code: 'aiSystemId-required', status: 400, field: 'aiSystemId' });
  });

  it('Given nothing, When the AI system named is not registered, Then 404 naming aiSystemId', () => {
    given([])
      .when(receive({ aiSystemId, aiSystemExists: false }))
      .thenThrows({ code: 'ai-system-not-found', status: 404, field: 'aiSystemId' });
  });

  it('Given nothing, When receivedAt is in the future, Then 422', () => {
    given([])
      .when(receive({ receivedAt: '2027-03-01T00:00:00.000Z' }))
      .thenThrows({ code: 'in-future', status: 422, field: 'receivedAt' });
  });

  it('Given a request, When the same id is received again, Then 409', () => {
    given([received()]).when(receive()).thenThrows({ code: 'subject-request-exists', status: 409 });
  });
});

describe("subject requests: the registry's default reading and what old requests recorded (J20)", () => {
  const byDefault: RequestPolicy = { counting: 'reg-1182-71-nl', explanationMonths: 1, adoptedBy: null };
  const extend = (months: number) =>
    ({ type: 'ExtendSubjectRequest', requestId, by: legal, now, months, reasons: enc('cmVhc29ucw=='), informedAt: null }) as const;

  it('Given nothing, When a request arrives on Friday 29 January 2027 under the default, Then it is due at the end of Monday 1 March, with the rules version and who made the reading', () => {
    given([])
      .when(receive({ receivedAt: '2027-01-29T09:00:00.000Z', policy: byDefault }))
      .then((events) => {
        const d = (events[0].data as SubjectRequestReceivedData).initialDeadline;
        expect(d).toMatchObject({ dueAt: '2027-03-01T22:59:59.999Z', counting: 'reg-1182-71-nl', rulesVersion: '2026-12-07.1', adoptedBy: null });
        expect(d.basis).toContain('2027-02-28 Sunday: Art. 3(4) moves the end to the following working day');
        expect(d.basis).toContain("the registry's documented default, for legal counsel to confirm (J20)");
      });
  });

  it('Given a request recorded before rules version 2026-12-07.1 (strict, no version), When it is extended, Then it is counted as it was recorded: strict', () => {
    const legacy = received({ initialDeadline: { ...requestDeadline('access', receivedAt, 1, strict), rulesVersion: undefined } });
    delete (legacy.data as SubjectRequestReceivedData).initialDeadline.rulesVersion;
    given([legacy])
      .when(extend(2))
      .then((events) => expect(events[0].data).toMatchObject({ deadline: { dueAt: '2027-04-30T08:00:00.000Z', counting: 'strict' } }));
    // What it recorded holds on read: the state's deadline is the event's, not recomputed.
    const state = [legacy].reduce(subjectRequestDecider.evolve, subjectRequestDecider.initialState());
    expect(state.deadline).toEqual((legacy.data as SubjectRequestReceivedData).initialDeadline);
    expect(state.deadline?.rulesVersion).toBeUndefined();
  });

  it('Given a request under the default, When extended by two months, Then three months run from receipt and Art. 3(4) moves the end', () => {
    // Saturday 25 September 2027 (received; the first month ends on Monday 25 October) + 3 months = Saturday 25 December.
    given([received({ receivedAt: '2027-09-25T08:00:00.000Z', initialDeadline: requestDeadline('access', '2027-09-25T08:00:00.000Z', 1, byDefault) })])
      .when({ ...extend(2), now: '2027-10-01T10:00:00.000Z' })
      .then((events) => expect(events[0].data).toMatchObject({ deadline: { dueAt: '2027-12-27T22:59:59.999Z', months: 3, counting: 'reg-1182-71-nl' } }));
  });
});

describe('subject requests: extension (GDPR Art. 12(3))', () => {
  const extend = (months: number, informedAt: string | null = null, at = now) =>
    ({ type: 'ExtendSubjectRequest', requestId, by: legal, now: at, months, reasons: enc('cmVhc29ucw=='), informedAt }) as const;

  it('Given an open request, When extended by two months within the first month, Then it is due three months after receipt', () => {
    given([received()])
      .when(extend(2))
      .then((events) => {
        expect(events[0].type).toBe('compliance.SubjectRequestExtended');
        expect(events[0].data).toMatchObject({ months: 2, informedAt: now, deadline: { dueAt: '2027-04-30T08:00:00.000Z', months: 3, nature: 'law' } });
      });
  });

  it('Given an open request, When the data subject is informed after the first month, Then the extension is refused', () => {
    given([received()])
      .when(extend(1, '2027-02-28T09:00:01.000Z', '2027-03-02T10:00:00.000Z'))
      .thenThrows({ code: 'extension-too-late', status: 422, field: 'informedAt' });
  });

  it('Given an extension recorded late but informed on the last instant of the first month, Then it is accepted', () => {
    given([received()])
      .when(extend(1, '2027-02-28T09:00:00.000Z', '2027-03-02T10:00:00.000Z'))
      .then((events) => expect(events[0].data).toMatchObject({ deadline: { dueAt: '2027-03-31T08:00:00.000Z' } }));
  });

  it('Given one month of extension, When two more are asked, Then refused beyond the limit of two further months', () => {
    const first: SubjectRequestEvent = {
      type: 'compliance.SubjectRequestExtended',
      data: {
        requestId,
        patientPseudonym,
        aiSystemId: null,
        months: 1,
        extendedMonths: 1,
        reasons: enc('cg=='),
        informedAt: now,
        deadline: requestDeadline('access', receivedAt, 2, strict),
        extendedBy: legal,
        extendedAt: now,
      },
    };
    given([received(), first]).when(extend(2)).thenThrows({ code: 'extension-beyond-limit', status: 422, field: 'months' });
    given([received(), first])
      .when(extend(1))
      .then((events) => expect(events[0].data).toMatchObject({ deadline: { months: 3 } }));
  });

  it('Given nothing, When an extension is asked, Then 404', () => {
    given([]).when(extend(1)).thenThrows({ code: 'subject-request-not-found', status: 404, field: 'id' });
  });
});

describe('subject requests: answered, refused, withdrawn', () => {
  const answer = (more: object = {}) =>
    ({ type: 'AnswerSubjectRequest', requestId, by: legal, now, answeredAt: null, conclusion: enc('YW5zd2Vy'), answerSha256: null, ...more }) as const;

  it('Given an open request, When answered in time, Then it is answered, not late', () => {
    given([received()])
      .when(answer())
      .then([
        {
          type: 'compliance.SubjectRequestAnswered',
          data: {
            requestId,
            patientPseudonym,
            aiSystemId: null,
            answeredAt: now,
            conclusion: enc('YW5zd2Vy'),
            answerSha256: null,
            late: false,
            answeredBy: legal,
            recordedAt: now,
          },
        },
      ]);
  });

  it('Given an open request, When answered after its deadline, Then the answer is recorded as late', () => {
    given([received()])
      .when(answer({ now: '2027-03-05T10:00:00.000Z' }))
      .then((events) => expect(events[0].data).toMatchObject({ late: true }));
  });

  it('Given an open request, When answered with neither text nor document hash, Then 400 naming answer', () => {
    given([received()])
      .when(answer({ conclusion: null }))
      .thenThrows({ code: 'answer-required', status: 400, field: 'answer' });
  });

  it('Given an open request, When refused as manifestly unfounded, Then refused with the ground', () => {
    given([received()])
      .when({ type: 'RefuseSubjectRequest', requestId, by: legal, now, ground: 'manifestly-unfounded', reason: enc('ZXhw'), refusedAt: null })
      .then((events) => expect(events[0]).toMatchObject({ type: 'compliance.SubjectRequestRefused', data: { ground: 'manifestly-unfounded', late: false } }));
  });

  it('Given an answered request, When withdrawn, Then 409: it is closed', () => {
    const answered: SubjectRequestEvent = {
      type: 'compliance.SubjectRequestAnswered',
      data: {
        requestId,
        patientPseudonym,
        aiSystemId: null,
        answeredAt: now,
        conclusion: null,
        answerSha256: 'a'.repeat(64),
        late: false,
        answeredBy: legal,
        recordedAt: now,
      },
    };
    given([received(), answered])
      .when({ type: 'WithdrawSubjectRequest', requestId, by: legal, now, withdrawnAt: null })
      .thenThrows({ code: 'subject-request-closed', status: 409 });
  });

  it('Given an open request, When withdrawn before it was received, Then 422', () => {
    given([received()])
      .when({ type: 'WithdrawSubjectRequest', requestId, by: legal, now, withdrawnAt: '2027-01-30T00:00:00.000Z' })
      .thenThrows({ code: 'before-receipt', status: 422, field: 'withdrawnAt' });
  });
});
