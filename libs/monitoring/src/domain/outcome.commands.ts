import type { Actor, EncryptedText } from '@app/event-store/core';
import type { Finding, OutputFacts } from './outcome.events';

/** The judgement the person brings; the decider derives agreement from the findings when it can. */
export interface OutcomeJudgement {
  confirmedFinding: Finding | null;
  /** Required unless both the AI's and the confirmed finding are known; must then match them. */
  agreesWithAi: boolean | null;
  source: string;
  note: EncryptedText | null;
}

/** One review of the output, as its stream left it (the handler loads each review the output has). */
export interface ReviewOfOutput {
  reviewId: string;
  modelVersion: string;
  patientPseudonym: string;
  seenAt: string;
  withdrawn: boolean;
}

export interface ConfirmOutcome extends OutcomeJudgement {
  type: 'ConfirmOutcome';
  outputId: string;
  aiSystemId: string;
  outputReference: string;
  /** The output from its feed stream; `null` when it was never fed. */
  output: OutputFacts | null;
  /** The reviews recorded of this output (system and reference), withdrawn ones too; empty: none. */
  reviews: readonly ReviewOfOutput[];
  /** What the AI found, as the person says, for an output that never came by feed (else it must match the feed's). */
  aiFinding: Finding | null;
  /** The ward, as the person says, for an output that never came by feed (else it must match the feed's). */
  ward: string | null;
  /** Null: now. */
  knownAt: string | null;
  by: Actor;
  now: string;
}

export interface CorrectOutcome extends OutcomeJudgement {
  type: 'CorrectOutcome';
  outputId: string;
  /** For a hand-entered output: the AI's finding and the ward restated; undefined keeps them. A fed output's stay the feed's. */
  aiFinding?: Finding | null;
  ward?: string | null;
  reason: EncryptedText | null;
  hasReason: boolean;
  by: Actor;
  now: string;
}

export type OutcomeCommand = ConfirmOutcome | CorrectOutcome;
