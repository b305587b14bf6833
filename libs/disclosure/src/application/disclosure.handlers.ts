import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock, commandHandler, EVENT_STORE, type EventStore, loadState } from '@app/event-store';
import { disclosureDecider, disclosureStream, disclosureStreamId } from '../domain';
import { InjectRepository } from '@nestjs/typeorm';
import { type FindOptionsWhere, LessThan, type Repository } from 'typeorm';
import { decodeCursor, encodeCursor } from '@app/platform';
import { DisclosureRow } from '../projections/disclosure.projection';
import { type DisclosureCommandResult, ExecuteDisclosureCommand, GetDisclosureQuery, ListDisclosuresQuery } from './disclosure.commands';

@CommandHandler(ExecuteDisclosureCommand)
export class ExecuteDisclosureHandler implements ICommandHandler<ExecuteDisclosureCommand, DisclosureCommandResult> {
  private readonly write;

  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(CLOCK) clock: Clock) {
    this.write = commandHandler({ store, clock }, disclosureDecider, disclosureStream);
  }

  async execute({ command, actor, options }: ExecuteDisclosureCommand): Promise<DisclosureCommandResult> {
    const { id, revision, replayed } = await this.write(command.requestId, (_, now) => ({ ...command, by: actor, now }), { actor, ...options });
    return { requestId: id, revision, replayed };
  }
}

@QueryHandler(GetDisclosureQuery)
export class GetDisclosureHandler implements IQueryHandler<GetDisclosureQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ requestId }: GetDisclosureQuery) {
    const { state, revision } = await loadState(this.store, disclosureDecider, disclosureStreamId(requestId));
    return { state, revision };
  }
}

@QueryHandler(ListDisclosuresQuery)
export class ListDisclosuresHandler implements IQueryHandler<ListDisclosuresQuery> {
  constructor(@InjectRepository(DisclosureRow) private readonly rows: Repository<DisclosureRow>) {}

  async execute({ filter }: ListDisclosuresQuery) {
    const after = decodeCursor(filter.cursor, 1) as [string] | undefined;
    const where: FindOptionsWhere<DisclosureRow> = {};
    if (filter.status) where.status = filter.status;
    // Overdue: still open after its due date (PLD Art. 9: a missed order presumes a defect, Art. 10).
    if (filter.overdueAt) Object.assign(where, { status: 'open', dueAt: LessThan(filter.overdueAt) });
    if (after) where.requestId = LessThan(after[0]);
    const rows = await this.rows.find({ where, order: { requestId: 'DESC' }, take: filter.limit + 1 });
    const items = rows.slice(0, filter.limit);
    return { items, nextCursor: rows.length > filter.limit ? encodeCursor([items[items.length - 1].requestId]) : null };
  }
}
