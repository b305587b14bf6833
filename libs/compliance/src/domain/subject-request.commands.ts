import type { Actor, EncryptedText } from '@app/event-store/core';
import type { PeriodCounting } from './request-periods';
import type { RefusalGround, SubjectRequestKind } from './subject-request.events';

/**
 * The hospital's choices the law leaves open (ADR 0051): how months are counted (J20) and the period
 * it gives itself for an Art. 86 explanation (J19), with who adopted them.
 */
export interface RequestPolicy {
  counting: PeriodCounting;
  explanationMonths: number;
  adoptedBy: string | null;
}

/** Every command carries `now`, the actor as `by`; free text arrives encrypted under the patient's key. */
interface RequestCommand {
  requestId: string;
  by: Actor;
  now: string;
}

export interface ReceiveSubjectRequest extends RequestCommand {
  type: 'ReceiveSubjectRequest';
  kind: SubjectRequestKind;
  patientPseudonym: string;
  aiSystemId: string | null;
  /** Whether `aiSystemId` names a registered system (the handler looked). */
  aiSystemExists: boolean;
  /** Null: now. */
  receivedAt: string | null;
  channel: string;
  description: EncryptedText | null;
  policy: RequestPolicy;
}

export interface ExtendSubjectRequest extends RequestCommand {
  type: 'ExtendSubjectRequest';
  months: number;
  reasons: EncryptedText;
  /** Null: now. */
  informedAt: string | null;
}

export interface AnswerSubjectRequest extends RequestCommand {
  type: 'AnswerSubjectRequest';
  answeredAt: string | null;
  conclusion: EncryptedText | null;
  answerSha256: string | null;
}

export interface RefuseSubjectRequest extends RequestCommand {
  type: 'RefuseSubjectRequest';
  ground: RefusalGround;
  reason: EncryptedText;
  refusedAt: string | null;
}

export interface WithdrawSubjectRequest extends RequestCommand {
  type: 'WithdrawSubjectRequest';
  withdrawnAt: string | null;
}

export type SubjectRequestCommand = ReceiveSubjectRequest | ExtendSubjectRequest | AnswerSubjectRequest | RefuseSubjectRequest | WithdrawSubjectRequest;
