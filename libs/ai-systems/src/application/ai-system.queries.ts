import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, type Repository } from 'typeorm';
import { EVENT_STORE, type EventStore, loadState } from '@app/event-store';
import { decodeCursor, encodeCursor, type Page } from '@app/platform';
import { aiSystemDecider, aiSystemStreamId, type AiSystemState } from '../domain';
import { AiSystemRow } from '../projections/ai-system.entity';

/** One system, folded from its own stream: always current, even before projections catch up. */
export class GetAiSystemQuery extends Query<{ state: AiSystemState; revision: number | null }> {
  constructor(readonly aiSystemId: string) {
    super();
  }
}

export class ListAiSystemsQuery extends Query<Page<AiSystemRow>> {
  constructor(
    readonly limit: number,
    readonly cursor?: string,
  ) {
    super();
  }
}

/** How many AI systems the inventory holds (a FHIR searchset's `total`). */
export class CountAiSystemsQuery extends Query<number> {}

@QueryHandler(CountAiSystemsQuery)
export class CountAiSystemsHandler implements IQueryHandler<CountAiSystemsQuery> {
  constructor(@InjectRepository(AiSystemRow) private readonly rows: Repository<AiSystemRow>) {}

  execute(): Promise<number> {
    return this.rows.count();
  }
}

@QueryHandler(GetAiSystemQuery)
export class GetAiSystemHandler implements IQueryHandler<GetAiSystemQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ aiSystemId }: GetAiSystemQuery) {
    const { state, revision } = await loadState(this.store, aiSystemDecider, aiSystemStreamId(aiSystemId));
    return { state, revision };
  }
}

@QueryHandler(ListAiSystemsQuery)
export class ListAiSystemsHandler implements IQueryHandler<ListAiSystemsQuery> {
  constructor(@InjectRepository(AiSystemRow) private readonly rows: Repository<AiSystemRow>) {}

  async execute({ limit, cursor }: ListAiSystemsQuery): Promise<Page<AiSystemRow>> {
    const after = decodeCursor(cursor, 1) as [string] | undefined;
    const items = await this.rows.find({
      where: after ? { aiSystemId: MoreThan(after[0]) } : {},
      order: { aiSystemId: 'ASC' },
      take: limit + 1,
    });
    const more = items.length > limit;
    const page = items.slice(0, limit);
    return { items: page, nextCursor: more ? encodeCursor([page[page.length - 1].aiSystemId]) : null };
  }
}
