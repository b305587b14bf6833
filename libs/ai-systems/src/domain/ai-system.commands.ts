import type {
  AiSystemRegisteredData,
  AiSystemUseResumedData,
  AiSystemUseSuspendedData,
  AiSystemVersionChangedData,
  OutputReviewLimitSetData,
} from './ai-system.events';

/**
 * Each command is declared from the event it leads to (its data, less what the decider stamps or
 * works out). Every command carries `now` (ISO 8601): the decider never reads the clock.
 */
export interface RegisterAiSystem extends Omit<AiSystemRegisteredData, 'registeredAt'> {
  type: 'RegisterAiSystem';
  now: string;
}

/** The previous version is the decider's to state, from the stream. */
export interface ChangeAiSystemVersion extends Omit<AiSystemVersionChangedData, 'previousVersion' | 'changedAt'> {
  type: 'ChangeAiSystemVersion';
  now: string;
}

export interface SuspendAiSystemUse extends Omit<AiSystemUseSuspendedData, 'suspendedAt'> {
  type: 'SuspendAiSystemUse';
  now: string;
}

export interface ResumeAiSystemUse extends Omit<AiSystemUseResumedData, 'resumedAt'> {
  type: 'ResumeAiSystemUse';
  now: string;
}

export interface SetOutputReviewLimit extends Omit<OutputReviewLimitSetData, 'setAt'> {
  type: 'SetOutputReviewLimit';
  now: string;
}

export type AiSystemCommand = RegisterAiSystem | ChangeAiSystemVersion | SuspendAiSystemUse | ResumeAiSystemUse | SetOutputReviewLimit;
