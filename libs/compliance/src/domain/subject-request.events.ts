import { eventTypes, streamIdentity } from '@app/event-store/core';
import type { Actor, EncryptedText, EventOf, EventsOf } from '@app/event-store/core';
import type { PeriodCounting } from './request-periods';

/** One request of a data subject, its own stream: `subject-request-<requestId>`. */
export const subjectRequestStream = streamIdentity('subject-request-');
export const subjectRequestStreamId = subjectRequestStream.streamOf;

/**
 * `explanation`: AI Act Art. 86(1), "clear and meaningful explanations of the role of the AI system
 * in the decision-making procedure and the main elements of the decision taken"; `access`: GDPR
 * Art. 15, the data subject's right of access (answered within GDPR Art. 12(3)'s period).
 */
export type SubjectRequestKind = 'explanation' | 'access';
export const SUBJECT_REQUEST_KINDS: readonly SubjectRequestKind[] = ['explanation', 'access'];

/**
 * Why a request is not answered: GDPR Art. 12(5) (manifestly unfounded or excessive), Art. 12(6)
 * (identity not established), Art. 86(1)-(3) not applying (e.g. no decision based on a high-risk
 * Annex III system's output), or another ground named in the explanation.
 */
export type RefusalGround = 'manifestly-unfounded' | 'excessive' | 'identity-not-established' | 'right-does-not-apply' | 'other';
export const REFUSAL_GROUNDS: readonly RefusalGround[] = ['manifestly-unfounded', 'excessive', 'identity-not-established', 'right-does-not-apply', 'other'];

/**
 * The deadline as computed when it was set, with what it rests on: `law` (GDPR Art. 12(3)) or
 * `hospital-policy` (Art. 86 sets no period: the hospital's recorded choice).
 */
export interface RequestDeadline {
  dueAt: string;
  months: number;
  counting: PeriodCounting;
  /**
   * The counting rules and holiday calendar's version (`REQUEST_PERIOD_RULES_VERSION`); absent on
   * deadlines recorded before 2026-12-07.1, which `counting` alone describes. A deadline is never
   * recomputed on read: what was recorded holds.
   */
  rulesVersion?: string;
  nature: 'law' | 'hospital-policy';
  /** Who adopted the hospital's choices (counting, J20; the Art. 86 period, J19); null: the registry's defaults. */
  adoptedBy: string | null;
  basis: string;
}

export interface SubjectRequestReceivedData {
  requestId: string;
  kind: SubjectRequestKind;
  /** The requester as data subject: names the patient, so the patient's bundle carries the stream. */
  patientPseudonym: string;
  /** The AI system the request is about (required for an explanation), so the system's bundle carries it too. */
  aiSystemId: string | null;
  receivedAt: string;
  /** How it came in (letter, e-mail, portal, at the desk); no personal data. */
  channel: string;
  /**
   * What the requester asked, encrypted under the patient's key; null when nothing was written down.
   * The text members reuse names leaf format 2 already commits and the timeline shows (`description`,
   * `reasons`, `conclusion`, `reason`): a new name would change how existing leaves are computed.
   */
  description: EncryptedText | null;
  /** The first deadline: one month from receipt (the only moment an extension may be decided by). */
  initialDeadline: RequestDeadline;
  recordedBy: Actor;
  recordedAt: string;
}

export interface SubjectRequestExtendedData {
  requestId: string;
  patientPseudonym: string;
  aiSystemId: string | null;
  /** Further months this time (GDPR Art. 12(3): at most two in all). */
  months: number;
  /** Further months in all, this one included. */
  extendedMonths: number;
  /** The reasons, as told to the data subject; encrypted under the patient's key. */
  reasons: EncryptedText;
  /** When the data subject was told of the extension and its reasons (within the first month). */
  informedAt: string;
  deadline: RequestDeadline;
  extendedBy: Actor;
  extendedAt: string;
}

export interface SubjectRequestAnsweredData {
  requestId: string;
  patientPseudonym: string;
  aiSystemId: string | null;
  answeredAt: string;
  /** The answer itself, encrypted under the patient's key; or null when it went as a document. */
  conclusion: EncryptedText | null;
  /** SHA-256 of the answer document as sent (the document stays in the patient record). */
  answerSha256: string | null;
  /** Whether the answer came after the deadline that held then. */
  late: boolean;
  answeredBy: Actor;
  recordedAt: string;
}

export interface SubjectRequestRefusedData {
  requestId: string;
  patientPseudonym: string;
  aiSystemId: string | null;
  ground: RefusalGround;
  /** The explanation of the refusal given to the data subject, encrypted under the patient's key. */
  reason: EncryptedText;
  refusedAt: string;
  late: boolean;
  refusedBy: Actor;
  recordedAt: string;
}

export interface SubjectRequestWithdrawnData {
  requestId: string;
  patientPseudonym: string;
  aiSystemId: string | null;
  withdrawnAt: string;
  recordedBy: Actor;
  recordedAt: string;
}

export interface SubjectRequestEventData {
  'compliance.SubjectRequestReceived': SubjectRequestReceivedData;
  'compliance.SubjectRequestExtended': SubjectRequestExtendedData;
  'compliance.SubjectRequestAnswered': SubjectRequestAnsweredData;
  'compliance.SubjectRequestRefused': SubjectRequestRefusedData;
  'compliance.SubjectRequestWithdrawn': SubjectRequestWithdrawnData;
}

export type SubjectRequestReceived = EventOf<SubjectRequestEventData, 'compliance.SubjectRequestReceived'>;
export type SubjectRequestEvent = EventsOf<SubjectRequestEventData>;

export const SUBJECT_REQUEST_EVENT_TYPES = eventTypes<SubjectRequestEventData>({
  'compliance.SubjectRequestReceived': true,
  'compliance.SubjectRequestExtended': true,
  'compliance.SubjectRequestAnswered': true,
  'compliance.SubjectRequestRefused': true,
  'compliance.SubjectRequestWithdrawn': true,
});
