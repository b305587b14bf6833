/**
 * `@app/compliance/fold`: the file folded from its events, and nothing else: the offline bundle
 * verifier derives the file again with it (VERIFY.md B.18), so it loads no Nest, TypeORM or
 * database driver (test/architecture.spec.ts keeps verify-bundle light, ADR 0049).
 */
import { aiSystemDecider, type AiSystemState } from '@app/ai-systems/domain';
import { type EventEnvelope, fold } from '@app/event-store/core';
// The file's own modules, not the domain's index: that also brings the request periods, whose Dutch
// holiday calendar (date-holidays) the offline verifier has no use for.
import { complianceFileDecider, type ComplianceFileState } from './domain/compliance-file.decider';
import type { ComplianceFileEvent } from './domain/compliance-file.events';
import { complianceView, type ComplianceView, type RegisteredFacts } from './domain/compliance-view';

/** Events recorded by `asOf`: the registry's knowledge at that moment (system time, not business time). */
const knownBy = (events: readonly EventEnvelope[], asOf?: string) =>
  asOf === undefined ? events : events.filter((e) => Date.parse(e.recordedAt) <= Date.parse(asOf));

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

/** The names of assessment kinds in the file's `missing` lines: VERIFY.md B.18 quotes them. */
export { ASSESSMENT_NAMES } from './domain/compliance-view';
