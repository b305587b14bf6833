import { Command } from '@nestjs/cqrs';
import type { Actor } from '@app/event-store';
import type { HoldScope, RetentionTerms } from '../domain';

export interface CommandOptions {
  idempotencyKey?: string;
  requestHash?: string;
  ifMatch?: number;
}

export interface RetentionCommandResult {
  id: string;
  revision: number;
  replayed: boolean;
}

export type LegalHoldInput =
  | { type: 'PlaceLegalHold'; holdId: string; scope: HoldScope; reason: string }
  | { type: 'ReviewLegalHold'; holdId: string; note: string }
  | { type: 'ReleaseLegalHold'; holdId: string; reason: string };

export class ExecuteLegalHoldCommand extends Command<RetentionCommandResult> {
  constructor(
    readonly input: LegalHoldInput,
    readonly actor: Actor,
    readonly options: CommandOptions = {},
  ) {
    super();
  }
}

export class SetRetentionPolicyCommand extends Command<RetentionCommandResult> {
  constructor(
    readonly input: RetentionTerms & { aiSystemId: string; kind: string },
    readonly actor: Actor,
    readonly options: CommandOptions = {},
  ) {
    super();
  }
}

/** Per-artefact retention change, or the access-log entry written before a download. */
export type LogArtefactInput =
  { type: 'SetRetention'; artefactId: string; purgeDueAt: string | null; legalBasis: string } | { type: 'RecordDownload'; artefactId: string };

export class ExecuteLogArtefactCommand extends Command<RetentionCommandResult> {
  constructor(
    readonly input: LogArtefactInput,
    readonly actor: Actor,
    readonly options: CommandOptions = {},
  ) {
    super();
  }
}
