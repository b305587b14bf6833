import { Command } from '@nestjs/cqrs';
import type { Actor } from '@app/event-store';
import type { RefusalGround, SubjectRequestKind } from '../domain';

/** What the edge supplies: clear text, which the handler encrypts under the patient's key before deciding. */
export type SubjectRequestInput =
  | {
      type: 'ReceiveSubjectRequest';
      requestId: string;
      kind: SubjectRequestKind;
      patientPseudonym: string;
      aiSystemId: string | null;
      receivedAt: string | null;
      channel: string;
      details: string | null;
    }
  | { type: 'ExtendSubjectRequest'; requestId: string; months: number; reasons: string; informedAt: string | null }
  | { type: 'AnswerSubjectRequest'; requestId: string; answeredAt: string | null; answer: string | null; answerSha256: string | null }
  | { type: 'RefuseSubjectRequest'; requestId: string; ground: RefusalGround; explanation: string; refusedAt: string | null }
  | { type: 'WithdrawSubjectRequest'; requestId: string; withdrawnAt: string | null };

export interface SubjectRequestCommandResult {
  requestId: string;
  revision: number;
  replayed: boolean;
  /** The deadline that holds after this write. */
  dueAt: string | null;
  status: string;
}

export class ExecuteSubjectRequestCommand extends Command<SubjectRequestCommandResult> {
  constructor(
    readonly input: SubjectRequestInput,
    readonly actor: Actor,
    readonly options: { idempotencyKey?: string; requestHash?: string; ifMatch?: number } = {},
  ) {
    super();
  }
}
