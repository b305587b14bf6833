import type { AiActRiskClass, MdrClass, Supplier } from './ai-system.events';

/** Every command carries `now` (ISO 8601): the decider never reads the clock. */
export interface RegisterAiSystem {
  type: 'RegisterAiSystem';
  aiSystemId: string;
  name: string;
  supplier: Supplier;
  version: string;
  intendedPurpose: string;
  aiActRiskClass: AiActRiskClass;
  mdrClass: MdrClass;
  inHouseDevice: boolean;
  ifuVersion: string | null;
  oversightPersons: string[];
  ceMarking: string | null;
  udiDi: string | null;
  now: string;
}

export interface ChangeAiSystemVersion {
  type: 'ChangeAiSystemVersion';
  aiSystemId: string;
  version: string;
  ifuVersion: string | null;
  reason: string | null;
  now: string;
}

export interface SuspendAiSystemUse {
  type: 'SuspendAiSystemUse';
  aiSystemId: string;
  reason: string;
  now: string;
}

export interface ResumeAiSystemUse {
  type: 'ResumeAiSystemUse';
  aiSystemId: string;
  reason: string;
  now: string;
}

export type AiSystemCommand =
  | RegisterAiSystem
  | ChangeAiSystemVersion
  | SuspendAiSystemUse
  | ResumeAiSystemUse;
