import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { aiSystemDecider, aiSystemStreamId, type AiSystemState } from '@app/ai-systems';
import { EVENT_STORE, type EventStore, type EventEnvelope, fold, loadState } from '@app/event-store';
import {
  type ComplianceFileEvent,
  complianceFileDecider,
  type ComplianceFileState,
  complianceFileStreamId,
  complianceView,
  type ComplianceView,
  type RegisteredFacts,
  reviewGate,
  type ReviewGate,
} from '../domain';

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

/** Events recorded by `asOf`: the registry's knowledge at that moment (system time, not business time). */
const knownBy = (events: readonly EventEnvelope[], asOf?: string) =>
  asOf === undefined ? events : events.filter((e) => Date.parse(e.recordedAt) <= Date.parse(asOf));

export async function readComplianceFile(store: EventStore, aiSystemId: string, asOf?: string) {
  const [systemEvents, fileEvents] = await Promise.all([store.readStream(aiSystemStreamId(aiSystemId)), store.readStream(complianceFileStreamId(aiSystemId))]);
  return foldComplianceFile(systemEvents, fileEvents, asOf);
}

/**
 * The file from the events of the system's stream and its file's stream, as known by `asOf`:
 * what the API answers and what a bundle's verifier derives again from the proven events
 * (VERIFY.md B.18), so both must fold exactly these events the same way.
 */
export function foldComplianceFile(systemEvents: readonly EventEnvelope[], fileEvents: readonly EventEnvelope[], asOf?: string) {
  const known = knownBy(fileEvents, asOf);
  // Stored envelopes have the shape of the deciders' events (type and data).
  const system: AiSystemState = fold(aiSystemDecider, knownBy(systemEvents, asOf) as unknown as Parameters<typeof aiSystemDecider.evolve>[1][]);
  const file: ComplianceFileState = fold(complianceFileDecider, known as unknown as ComplianceFileEvent[]);
  const registered: RegisteredFacts = {
    aiActRiskClass: system.aiActRiskClass,
    oversightPersons: system.oversightPersons ?? [],
    currentVersion: system.currentVersion,
  };
  return { system, file, registered, revision: known.length ? known[known.length - 1].streamRevision : null };
}

/** The file as of `asOf` from both streams' events, or null when the system was not registered by then. */
export function complianceViewFromEvents(
  aiSystemId: string,
  systemEvents: readonly EventEnvelope[],
  fileEvents: readonly EventEnvelope[],
  asOf: string,
): ComplianceView | null {
  const { system, file, registered } = foldComplianceFile(systemEvents, fileEvents, asOf);
  return system.exists ? complianceView(aiSystemId, file, registered, asOf) : null;
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
