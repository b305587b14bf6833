import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { aiSystemStreamId } from '@app/ai-systems';
import { EVENT_STORE, type EventStore, loadState } from '@app/event-store';
import { foldComplianceFile } from '../fold';
import {
  complianceFileDecider,
  complianceFileStreamId,
  complianceView,
  type ComplianceView,
  type RegisteredFacts,
  reviewGate,
  type ReviewGate,
} from '../domain';

export { complianceViewFromEvents, foldComplianceFile } from '../fold';

/** The compliance file of one system as it stood at `asOf` (default: now), rebuilt from both streams. */
export class GetComplianceFileQuery extends Query<{ view: ComplianceView | null; revision: number | null }> {
  constructor(
    readonly aiSystemId: string,
    readonly asOf: string,
  ) {
    super();
  }
}

/**
 * What a review of the system must pass, read from the file just before the review is decided;
 * the caller has loaded the system already and passes what its registration says.
 */
export class GetReviewGateQuery extends Query<ReviewGate> {
  constructor(
    readonly aiSystemId: string,
    readonly reviewer: string,
    readonly registered: RegisteredFacts,
  ) {
    super();
  }
}

export async function readComplianceFile(store: EventStore, aiSystemId: string, asOf?: string) {
  const [systemEvents, fileEvents] = await Promise.all([store.readStream(aiSystemStreamId(aiSystemId)), store.readStream(complianceFileStreamId(aiSystemId))]);
  return foldComplianceFile(systemEvents, fileEvents, asOf);
}

@QueryHandler(GetComplianceFileQuery)
export class GetComplianceFileHandler implements IQueryHandler<GetComplianceFileQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ aiSystemId, asOf }: GetComplianceFileQuery) {
    const { system, file, registered, revision } = await readComplianceFile(this.store, aiSystemId, asOf);
    return { view: system.exists ? complianceView(aiSystemId, file, registered, asOf) : null, revision };
  }
}

@QueryHandler(GetReviewGateQuery)
export class GetReviewGateHandler implements IQueryHandler<GetReviewGateQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ aiSystemId, reviewer, registered }: GetReviewGateQuery): Promise<ReviewGate> {
    const { state } = await loadState(this.store, complianceFileDecider, complianceFileStreamId(aiSystemId));
    return reviewGate(state, registered, reviewer);
  }
}
