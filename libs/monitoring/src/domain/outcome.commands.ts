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

export interface ConfirmOutcome extends OutcomeJudgement {
  type: 'ConfirmOutcome';
  outputId: string;
  /** The output from its feed stream; `null` when it was never fed. */
  output: OutputFacts | null;
  /** Null: now. */
  knownAt: string | null;
  by: Actor;
  now: string;
}

export interface CorrectOutcome extends OutcomeJudgement {
  type: 'CorrectOutcome';
  outputId: string;
  reason: EncryptedText | null;
  hasReason: boolean;
  by: Actor;
  now: string;
}

export type OutcomeCommand = ConfirmOutcome | CorrectOutcome;
