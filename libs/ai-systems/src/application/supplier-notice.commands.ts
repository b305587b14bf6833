import { Command } from '@nestjs/cqrs';
import type { Actor } from '@app/event-store';
import type { SupplierNoticeCommand } from '../domain';

/** What the edge supplies: the handler adds `now`, the actor as `by`, and the register's view of the system. */
type FromEdge<T> = T extends unknown ? Omit<T, 'now' | 'by' | 'system'> : never;

export type SupplierNoticeInput = FromEdge<SupplierNoticeCommand>;

export interface SupplierNoticeCommandResult {
  supplierNoticeId: string;
  revision: number;
  replayed: boolean;
}

export class ExecuteSupplierNoticeCommand extends Command<SupplierNoticeCommandResult> {
  constructor(
    readonly input: SupplierNoticeInput,
    readonly actor: Actor,
    readonly options: { idempotencyKey?: string; requestHash?: string; ifMatch?: number } = {},
  ) {
    super();
  }
}
