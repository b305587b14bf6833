import { Command } from '@nestjs/cqrs';
import type { Actor } from '@app/event-store';
import type { ComplianceFileCommand } from '../domain';

/** What the edge supplies: the handler adds `now`, the actor as `by`, and the inventory's view of the system. */
type FromEdge<T> = T extends unknown ? Omit<T, 'now' | 'by' | 'system'> : never;

export type ComplianceFileInput = FromEdge<ComplianceFileCommand>;

export interface ComplianceFileCommandResult {
  aiSystemId: string;
  revision: number;
  replayed: boolean;
  /** The id of the record or assessment written, read from the stored event (a retry gets the first attempt's). */
  recordId?: string;
  assessmentId?: string;
  documentId?: string;
  statementId?: string;
}

export class ExecuteComplianceFileCommand extends Command<ComplianceFileCommandResult> {
  constructor(
    readonly input: ComplianceFileInput,
    readonly actor: Actor,
    readonly options: { idempotencyKey?: string; requestHash?: string; ifMatch?: number } = {},
  ) {
    super();
  }
}
