import { type Decider, DomainError } from '@app/event-store/core';
import type { AiOutputCommand, RecordAiOutput } from './ai-output.commands';
import { AI_FINDINGS, type AiOutputEvent, type AiOutputProducedData } from './ai-output.events';

export type AiOutputState = { exists: false } | ({ exists: true } & AiOutputProducedData);

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** A ward code: short, no spaces, no patient data room (e.g. `ICU-2`, `ED`). */
export const WARD_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
/** Tolerated clock difference between the AI system's host and the registry. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * An output is recorded once. The same output posted again (same digest) decides nothing, so a
 * replayed batch is not duplicated; another digest under the same reference is a conflict: the
 * reference would then name two different outputs.
 */
function decide(command: AiOutputCommand, state: AiOutputState): AiOutputEvent[] {
  return record(command, state);
}

function record(command: RecordAiOutput, state: AiOutputState): AiOutputEvent[] {
  if (command.boundAiSystemId !== null && command.boundAiSystemId !== command.aiSystemId) {
    throw new DomainError('not-your-ai-system', `This client may post outputs only for AI system ${command.boundAiSystemId}.`, 403, 'aiSystemId');
  }
  if (!command.system.exists) {
    throw new DomainError('ai-system-not-found', `AI system ${command.aiSystemId} is not registered.`, 404, 'aiSystemId');
  }
  // A suspended system's outputs are still recorded: that it produced any is itself evidence.
  if (!command.system.knownVersions.includes(command.modelVersion)) {
    const name = command.system.name ?? command.aiSystemId;
    throw new DomainError('unknown-model-version', `Version ${command.modelVersion} was never deployed for AI system ${name}.`, 422, 'modelVersion');
  }
  if (!SHA256_HEX.test(command.outputSha256)) {
    throw new DomainError('invalid-output-sha256', 'outputSha256 must be 64 lowercase hexadecimal characters (SHA-256).', 400, 'outputSha256');
  }
  if (command.ward != null && !WARD_CODE.test(command.ward)) {
    throw new DomainError('invalid-ward', 'ward is a short code: letters, digits, dot, dash or underscore, at most 32.', 400, 'ward');
  }
  if (command.aiFinding != null && !(AI_FINDINGS as readonly string[]).includes(command.aiFinding)) {
    throw new DomainError('invalid-ai-finding', 'aiFinding is positive or negative.', 400, 'aiFinding');
  }
  const producedAt = Date.parse(command.producedAt);
  if (Number.isNaN(producedAt)) throw new DomainError('invalid-timestamp', 'producedAt is not an ISO 8601 date-time.', 400, 'producedAt');
  if (producedAt > Date.parse(command.now) + MAX_CLOCK_SKEW_MS) {
    throw new DomainError('produced-in-future', 'producedAt is in the future.', 400, 'producedAt');
  }
  if (state.exists) {
    if (state.outputSha256 === command.outputSha256) return [];
    throw new DomainError(
      'output-digest-conflict',
      `Output ${command.outputReference} of this AI system was recorded with another SHA-256.`,
      409,
      'outputSha256',
    );
  }
  return [
    {
      type: 'oversight.AiOutputProduced',
      // Field by field, so nothing else on the command lands in the ledger.
      data: {
        outputId: command.outputId,
        aiSystemId: command.aiSystemId,
        modelVersion: command.modelVersion,
        outputReference: command.outputReference,
        outputSha256: command.outputSha256,
        patientPseudonym: command.patientPseudonym,
        producedAt: command.producedAt,
        urgency: command.urgency,
        summary: command.summary,
        ward: command.ward ?? null,
        // Only when the feed says: outputs that are no finding keep their events' shape.
        ...(command.aiFinding != null ? { aiFinding: command.aiFinding } : {}),
        postedBy: { subject: command.postedBy.subject, role: command.postedBy.role },
      },
    },
  ];
}

function evolve(state: AiOutputState, event: AiOutputEvent): AiOutputState {
  if (event.type === 'oversight.AiOutputProduced') return state.exists ? state : { exists: true, ...event.data };
  return state;
}

export const aiOutputDecider: Decider<AiOutputState, AiOutputCommand, AiOutputEvent> = {
  initialState: () => ({ exists: false }),
  decide,
  evolve,
};
