import { type Actor, type Decider, DomainError, streamIdentity } from '@app/event-store/core';
import { AI_ACT_MINIMUM_MONTHS, type RetentionTerms } from './retention-rule';

/** One policy per AI system and kind of log: its id is `<aiSystemId>-<kind>`. */
export const retentionPolicyStream = streamIdentity('retention-policy-');
export const retentionPolicyStreamId = (aiSystemId: string, kind: string) => retentionPolicyStream.streamOf(`${aiSystemId}-${kind}`);

/** Applies to artefacts recorded from now on; artefacts recorded earlier keep their rule. */
export interface RetentionPolicySetData extends RetentionTerms {
  aiSystemId: string;
  kind: string;
  setBy: Actor;
  setAt: string;
}

export type RetentionPolicyEvent = { type: 'retention.RetentionPolicySet'; data: RetentionPolicySetData };
export const RETENTION_POLICY_EVENT_TYPES: readonly RetentionPolicyEvent['type'][] = ['retention.RetentionPolicySet'];

export interface SetRetentionPolicy extends RetentionTerms {
  type: 'SetRetentionPolicy';
  aiSystemId: string;
  kind: string;
  systemExists: boolean;
  setBy: Actor;
  now: string;
}

export interface RetentionPolicyState {
  terms: RetentionTerms | null;
}

function decide(command: SetRetentionPolicy, _state: RetentionPolicyState): RetentionPolicyEvent[] {
  if (!command.systemExists) throw new DomainError('ai-system-not-found', 'No AI system with this id is registered', 404, 'aiSystemId');
  if (!Number.isInteger(command.minimumMonths) || command.minimumMonths < AI_ACT_MINIMUM_MONTHS) {
    throw new DomainError('minimum-below-ai-act', `Logs must be kept at least ${AI_ACT_MINIMUM_MONTHS} months (AI Act Art. 26(6))`, 422, 'minimumMonths');
  }
  if (command.maximumMonths !== null && (!Number.isInteger(command.maximumMonths) || command.maximumMonths < command.minimumMonths)) {
    throw new DomainError('maximum-below-minimum', 'maximumMonths must be at least minimumMonths', 422, 'maximumMonths');
  }
  if (!command.legalBasis.trim()) throw new DomainError('legal-basis-required', 'Name the legal basis of the retention', 400, 'legalBasis');
  const { type: _type, systemExists: _exists, now, ...data } = command;
  return [{ type: 'retention.RetentionPolicySet', data: { ...data, setAt: now } }];
}

export const retentionPolicyDecider: Decider<RetentionPolicyState, SetRetentionPolicy, RetentionPolicyEvent> = {
  initialState: () => ({ terms: null }),
  decide,
  evolve: (_state, { data }) => ({
    terms: { minimumMonths: data.minimumMonths, maximumMonths: data.maximumMonths, legalBasis: data.legalBasis },
  }),
};
