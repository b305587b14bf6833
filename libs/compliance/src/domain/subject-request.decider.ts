import { type Actor, type Decider, DomainError } from '@app/event-store/core';
import { COUNTING_TEXT, periodEnd, REQUEST_PERIOD_RULES_VERSION } from './request-periods';
import type {
  AnswerSubjectRequest,
  ExtendSubjectRequest,
  ReceiveSubjectRequest,
  RefuseSubjectRequest,
  RequestPolicy,
  SubjectRequestCommand,
  WithdrawSubjectRequest,
} from './subject-request.commands';
import type { RequestDeadline, SubjectRequestEvent, SubjectRequestKind } from './subject-request.events';

export type SubjectRequestStatus = 'open' | 'answered' | 'refused' | 'withdrawn';

export interface SubjectRequestState {
  exists: boolean;
  kind: SubjectRequestKind | null;
  patientPseudonym: string | null;
  aiSystemId: string | null;
  receivedAt: string | null;
  status: SubjectRequestStatus;
  initialDeadline: RequestDeadline | null;
  /** The deadline that holds now: the first one, or the last extension's. */
  deadline: RequestDeadline | null;
  extendedMonths: number;
  closedAt: string | null;
}

export const initialSubjectRequestState = (): SubjectRequestState => ({
  exists: false,
  kind: null,
  patientPseudonym: null,
  aiSystemId: null,
  receivedAt: null,
  status: 'open',
  initialDeadline: null,
  deadline: null,
  extendedMonths: 0,
  closedAt: null,
});

/**
 * GDPR Art. 12(3): "within one month of receipt of the request. That period may be extended by two
 * further months where necessary, taking into account the complexity and number of the requests. The
 * controller shall inform the data subject of any such extension within one month of receipt of the
 * request, together with the reasons for the delay." (docs/compliance.md, where the source is named.)
 */
export const GDPR_MONTHS = 1;
export const MAX_EXTENSION_MONTHS = 2;
const GDPR_12_3 =
  'GDPR Art. 12(3): "without undue delay and in any event within one month of receipt of the request", "may be extended by two further months where necessary"';
const ART_86 = 'AI Act Art. 86 sets no period; the hospital answers an explanation request within its policy period (J19)';
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Who made the reading the deadline rests on: the hospital's adopter when recorded; otherwise the
 * registry's documented default (J20, for legal counsel to confirm).
 */
function adoption(policy: RequestPolicy): string {
  return policy.adoptedBy
    ? `policy adopted by ${policy.adoptedBy}`
    : "the registry's documented default, for legal counsel to confirm (J20); adopted by nobody at the hospital (REQUEST_POLICY_ADOPTED_BY)";
}

/** The deadline `months` after receipt, with the text it rests on and the rules version that counted it. */
export function requestDeadline(kind: SubjectRequestKind, receivedAt: string, months: number, policy: RequestPolicy): RequestDeadline {
  const law = kind === 'access';
  const end = periodEnd(receivedAt, months, policy.counting);
  const moved = end.movedPast.length > 0 ? ` The last day fell on ${end.movedPast.join(', ')}: Art. 3(4) moves the end to the following working day.` : '';
  return {
    dueAt: end.dueAt,
    months,
    counting: policy.counting,
    rulesVersion: REQUEST_PERIOD_RULES_VERSION,
    nature: law ? 'law' : 'hospital-policy',
    adoptedBy: policy.adoptedBy,
    basis: `${law ? 'LAW' : 'HOSPITAL POLICY'}. ${law ? GDPR_12_3 : ART_86}; ${months} month(s) from receipt, ${COUNTING_TEXT[policy.counting]}; ${adoption(policy)}.${moved}`,
  };
}

function decide(command: SubjectRequestCommand, state: SubjectRequestState): SubjectRequestEvent[] {
  if (command.type === 'ReceiveSubjectRequest') return receive(command, state);
  if (!state.exists) throw new DomainError('subject-request-not-found', `No request ${command.requestId}.`, 404, 'id');
  if (state.status !== 'open') {
    throw new DomainError('subject-request-closed', `Request ${command.requestId} is already ${state.status} (${state.closedAt}).`, 409);
  }
  switch (command.type) {
    case 'ExtendSubjectRequest':
      return extend(command, state);
    case 'AnswerSubjectRequest':
      return answer(command, state);
    case 'RefuseSubjectRequest':
      return refuse(command, state);
    case 'WithdrawSubjectRequest':
      return withdraw(command, state);
  }
}

function receive(command: ReceiveSubjectRequest, state: SubjectRequestState): SubjectRequestEvent[] {
  if (state.exists) throw new DomainError('subject-request-exists', `Request ${command.requestId} is already recorded.`, 409);
  // Art. 86(1) is about "the role of the AI system in the decision-making procedure": which system.
  if (command.kind === 'explanation' && command.aiSystemId === null) {
    throw new DomainError(
      'aiSystemId-required',
      'An explanation request (AI Act Art. 86) names the AI system whose output the decision was based on.',
      400,
      'aiSystemId',
    );
  }
  if (command.aiSystemId !== null && !command.aiSystemExists) {
    throw new DomainError('ai-system-not-found', `AI system ${command.aiSystemId} is not registered.`, 404, 'aiSystemId');
  }
  const receivedAt = pastInstant(command.receivedAt, command.now, 'receivedAt');
  const months = command.kind === 'access' ? GDPR_MONTHS : command.policy.explanationMonths;
  return [
    {
      type: 'compliance.SubjectRequestReceived',
      data: {
        requestId: command.requestId,
        kind: command.kind,
        patientPseudonym: command.patientPseudonym,
        aiSystemId: command.aiSystemId,
        receivedAt,
        channel: required(command.channel, 'channel'),
        description: command.description,
        initialDeadline: requestDeadline(command.kind, receivedAt, months, command.policy),
        recordedBy: actor(command.by),
        recordedAt: command.now,
      },
    },
  ];
}

function extend(command: ExtendSubjectRequest, state: SubjectRequestState): SubjectRequestEvent[] {
  if (!Number.isInteger(command.months) || command.months < 1) {
    throw new DomainError('invalid-months', 'months is a whole number of further months, at least 1.', 400, 'months');
  }
  const total = state.extendedMonths + command.months;
  if (total > MAX_EXTENSION_MONTHS) {
    throw new DomainError(
      'extension-beyond-limit',
      `GDPR Art. 12(3) allows "two further months" in all; ${state.extendedMonths} already taken, ${command.months} more would make ${total}.`,
      422,
      'months',
    );
  }
  const initial = state.initialDeadline!;
  const informedAt = pastInstant(command.informedAt, command.now, 'informedAt');
  if (Date.parse(informedAt) < Date.parse(state.receivedAt!)) {
    throw new DomainError('before-receipt', 'informedAt is before the request was received.', 422, 'informedAt');
  }
  // "The controller shall inform the data subject of any such extension within one month of receipt."
  if (Date.parse(informedAt) > Date.parse(initial.dueAt)) {
    throw new DomainError(
      'extension-too-late',
      `The data subject must be told of an extension and its reasons within the first month (by ${initial.dueAt}, GDPR Art. 12(3)); informed ${informedAt}.`,
      422,
      'informedAt',
    );
  }
  const policy: RequestPolicy = { counting: initial.counting, explanationMonths: initial.months, adoptedBy: initial.adoptedBy };
  const deadline = requestDeadline(state.kind!, state.receivedAt!, initial.months + total, policy);
  return [
    {
      type: 'compliance.SubjectRequestExtended',
      data: {
        ...names(state, command),
        months: command.months,
        extendedMonths: total,
        reasons: command.reasons,
        informedAt,
        deadline: { ...deadline, basis: `${deadline.basis} Extended by ${total} month(s) in all.` },
        extendedBy: actor(command.by),
        extendedAt: command.now,
      },
    },
  ];
}

function answer(command: AnswerSubjectRequest, state: SubjectRequestState): SubjectRequestEvent[] {
  if (command.conclusion === null && command.answerSha256 === null) {
    throw new DomainError('answer-required', 'Give the answer (its text) or the SHA-256 of the answer document sent.', 400, 'answer');
  }
  if (command.answerSha256 !== null && !SHA256_HEX.test(command.answerSha256)) {
    throw new DomainError('invalid-sha256', 'answerSha256 is 64 lower-case hex characters.', 400, 'answerSha256');
  }
  const answeredAt = closingTime(command.answeredAt, command, state, 'answeredAt');
  return [
    {
      type: 'compliance.SubjectRequestAnswered',
      data: {
        ...names(state, command),
        answeredAt,
        conclusion: command.conclusion,
        answerSha256: command.answerSha256,
        late: Date.parse(answeredAt) > Date.parse(state.deadline!.dueAt),
        answeredBy: actor(command.by),
        recordedAt: command.now,
      },
    },
  ];
}

function refuse(command: RefuseSubjectRequest, state: SubjectRequestState): SubjectRequestEvent[] {
  const refusedAt = closingTime(command.refusedAt, command, state, 'refusedAt');
  return [
    {
      type: 'compliance.SubjectRequestRefused',
      data: {
        ...names(state, command),
        ground: command.ground,
        reason: command.reason,
        refusedAt,
        late: Date.parse(refusedAt) > Date.parse(state.deadline!.dueAt),
        refusedBy: actor(command.by),
        recordedAt: command.now,
      },
    },
  ];
}

function withdraw(command: WithdrawSubjectRequest, state: SubjectRequestState): SubjectRequestEvent[] {
  const withdrawnAt = closingTime(command.withdrawnAt, command, state, 'withdrawnAt');
  return [
    { type: 'compliance.SubjectRequestWithdrawn', data: { ...names(state, command), withdrawnAt, recordedBy: actor(command.by), recordedAt: command.now } },
  ];
}

/** Every event names the patient and the system, so bundles scoped to either carry the stream (VERIFY.md B.9). */
const names = (state: SubjectRequestState, command: { requestId: string }) => ({
  requestId: command.requestId,
  patientPseudonym: state.patientPseudonym!,
  aiSystemId: state.aiSystemId,
});

function closingTime(value: string | null, command: { now: string }, state: SubjectRequestState, field: string): string {
  const at = pastInstant(value, command.now, field);
  if (Date.parse(at) < Date.parse(state.receivedAt!)) throw new DomainError('before-receipt', `${field} is before the request was received.`, 422, field);
  return at;
}

/** An instant given by the caller (ISO 8601), not in the future; null means now. */
function pastInstant(value: string | null, now: string, field: string): string {
  if (value === null) return now;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new DomainError('invalid-date', `${field} is not a date-time.`, 400, field);
  if (t > Date.parse(now)) throw new DomainError('in-future', `${field} is in the future.`, 422, field);
  return new Date(t).toISOString();
}

function required(text: string, field: string): string {
  const trimmed = text.trim();
  if (!trimmed) throw new DomainError(`${field}-required`, `${field} is required.`, 400, field);
  return trimmed;
}

const actor = (a: Actor): Actor => ({ subject: a.subject, role: a.role });

function evolve(state: SubjectRequestState, event: SubjectRequestEvent): SubjectRequestState {
  switch (event.type) {
    case 'compliance.SubjectRequestReceived': {
      const d = event.data;
      return {
        ...state,
        exists: true,
        kind: d.kind,
        patientPseudonym: d.patientPseudonym,
        aiSystemId: d.aiSystemId,
        receivedAt: d.receivedAt,
        initialDeadline: d.initialDeadline,
        deadline: d.initialDeadline,
      };
    }
    case 'compliance.SubjectRequestExtended':
      return { ...state, deadline: event.data.deadline, extendedMonths: event.data.extendedMonths };
    case 'compliance.SubjectRequestAnswered':
      return { ...state, status: 'answered', closedAt: event.data.answeredAt };
    case 'compliance.SubjectRequestRefused':
      return { ...state, status: 'refused', closedAt: event.data.refusedAt };
    case 'compliance.SubjectRequestWithdrawn':
      return { ...state, status: 'withdrawn', closedAt: event.data.withdrawnAt };
    default:
      return state;
  }
}

export const subjectRequestDecider: Decider<SubjectRequestState, SubjectRequestCommand, SubjectRequestEvent> = {
  initialState: initialSubjectRequestState,
  decide,
  evolve,
};
