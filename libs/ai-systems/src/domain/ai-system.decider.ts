import { type Decider, DomainError } from '@app/event-store/core';
import type {
  ChangeAiSystemVersion,
  AiSystemCommand,
  RegisterAiSystem,
  ResumeAiSystemUse,
  SetOutputReviewLimit,
  SuspendAiSystemUse,
} from './ai-system.commands';
import type { AiSystemEvent, AiSystemRegisteredData } from './ai-system.events';

export type AiSystemStatus = 'active' | 'suspended';

/**
 * A registered system: the fields it was registered with (derived from the event, not restated),
 * where `ifuVersion` is the instructions for use matching `currentVersion`.
 */
export type RegisteredAiSystem = Omit<AiSystemRegisteredData, 'version'> & {
  exists: true;
  status: AiSystemStatus;
  currentVersion: string;
  /** Every version ever deployed, in order of first deployment; reviews may cite any of them. */
  knownVersions: string[];
  /** Why and since when use is suspended; null while active. */
  suspension: { reason: string; suspendedAt: string } | null;
  /** Minutes an output may wait for review; null: the registry-wide default. */
  outputReviewLimitMinutes: number | null;
};

type AlwaysPresent = 'exists' | 'status' | 'knownVersions';

/** Same keys as a registered system, so readers can look at `status` or `knownVersions` without narrowing. */
export type UnregisteredAiSystem = {
  exists: false;
  status: 'active';
  knownVersions: string[];
} & { [K in Exclude<keyof RegisteredAiSystem, AlwaysPresent>]: null };

export type AiSystemState = UnregisteredAiSystem | RegisteredAiSystem;

export const initialAiSystemState = (): AiSystemState => ({
  exists: false,
  aiSystemId: null,
  name: null,
  supplier: null,
  intendedPurpose: null,
  aiActRiskClass: null,
  mdrClass: null,
  inHouseDevice: null,
  ceMarking: null,
  udiDi: null,
  oversightPersons: null,
  registeredAt: null,
  status: 'active',
  currentVersion: null,
  ifuVersion: null,
  knownVersions: [],
  suspension: null,
  outputReviewLimitMinutes: null,
});

/** What the oversight context needs to know about a system before it records a review. */
export interface ReviewableAiSystem {
  exists: boolean;
  status: AiSystemStatus;
  knownVersions: string[];
  name: string | null;
}

export function reviewableSnapshot(state: AiSystemState): ReviewableAiSystem {
  return {
    exists: state.exists,
    status: state.status,
    knownVersions: [...state.knownVersions],
    name: state.name,
  };
}

function decide(command: AiSystemCommand, state: AiSystemState): AiSystemEvent[] {
  if (command.type === 'RegisterAiSystem') return register(command, state);
  if (!state.exists) {
    throw new DomainError('ai-system-not-found', `AI system ${command.aiSystemId} is not registered.`, 404);
  }
  switch (command.type) {
    case 'ChangeAiSystemVersion':
      return changeVersion(command, state);
    case 'SuspendAiSystemUse':
      return suspend(command, state);
    case 'ResumeAiSystemUse':
      return resume(command, state);
    case 'SetOutputReviewLimit':
      return setOutputReviewLimit(command, state);
  }
}

function register(command: RegisterAiSystem, state: AiSystemState): AiSystemEvent[] {
  if (state.exists) {
    throw new DomainError('ai-system-exists', `AI system ${command.aiSystemId} is already registered.`, 409);
  }
  // AI Act Art. 5(1): "The following AI practices shall be prohibited: … the use of an AI system
  // that …" (since 2 February 2025, Art. 113(a)): not registered for use. A system found to be one
  // later is classified so in its compliance file, which blocks its reviews (libs/compliance).
  if (command.aiActRiskClass === 'prohibited') {
    throw new DomainError('prohibited-ai-practice', 'A prohibited AI practice (AI Act Art. 5) cannot be registered for use.', 422, 'aiActRiskClass');
  }
  // Fields are listed one by one so nothing unexpected on the command lands in the ledger.
  return [
    {
      type: 'ai-systems.AiSystemRegistered',
      data: {
        aiSystemId: command.aiSystemId,
        name: command.name,
        supplier: {
          name: command.supplier.name,
          incidentContactEmail: command.supplier.incidentContactEmail,
          importerOrDistributor: command.supplier.importerOrDistributor ?? null,
        },
        version: requireVersion(command.version),
        intendedPurpose: command.intendedPurpose,
        aiActRiskClass: command.aiActRiskClass,
        mdrClass: command.mdrClass,
        inHouseDevice: command.inHouseDevice,
        ifuVersion: command.ifuVersion,
        oversightPersons: [...command.oversightPersons],
        ceMarking: command.ceMarking,
        udiDi: command.udiDi,
        registeredAt: command.now,
      },
    },
  ];
}

function changeVersion(command: ChangeAiSystemVersion, state: RegisteredAiSystem): AiSystemEvent[] {
  const version = requireVersion(command.version);
  if (version === state.currentVersion) {
    throw new DomainError('version-unchanged', `AI system ${state.aiSystemId} already runs version ${version}.`, 409, 'version');
  }
  return [
    {
      type: 'ai-systems.AiSystemVersionChanged',
      data: {
        aiSystemId: state.aiSystemId,
        previousVersion: state.currentVersion,
        version,
        ifuVersion: command.ifuVersion,
        reason: command.reason?.trim() || null,
        changedAt: command.now,
      },
    },
  ];
}

function suspend(command: SuspendAiSystemUse, state: RegisteredAiSystem): AiSystemEvent[] {
  if (state.status === 'suspended') {
    throw new DomainError('ai-system-already-suspended', `Use of AI system ${state.aiSystemId} is already suspended.`, 409);
  }
  return [
    {
      type: 'ai-systems.AiSystemUseSuspended',
      data: {
        aiSystemId: state.aiSystemId,
        reason: requireReason(command.reason, 'suspending'),
        suspendedAt: command.now,
      },
    },
  ];
}

function resume(command: ResumeAiSystemUse, state: RegisteredAiSystem): AiSystemEvent[] {
  if (state.status !== 'suspended') {
    throw new DomainError('ai-system-not-suspended', `Use of AI system ${state.aiSystemId} is not suspended.`, 409);
  }
  return [
    {
      type: 'ai-systems.AiSystemUseResumed',
      data: {
        aiSystemId: state.aiSystemId,
        reason: requireReason(command.reason, 'resuming'),
        resumedAt: command.now,
      },
    },
  ];
}

/**
 * The review limit is the hospital's own rule, not a legal deadline: AI Act Art. 26(2) asks that
 * "Deployers shall assign human oversight to natural persons who have the necessary competence,
 * training and authority, as well as the necessary support", and sets no time. Judgement (ADR 0040
 * addendum): a week at most; longer, and an unreviewed output is no longer awaiting review.
 */
export const MAX_OUTPUT_REVIEW_LIMIT_MINUTES = 7 * 24 * 60;

function setOutputReviewLimit(command: SetOutputReviewLimit, state: RegisteredAiSystem): AiSystemEvent[] {
  const minutes = command.limitMinutes;
  if (minutes !== null && (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_OUTPUT_REVIEW_LIMIT_MINUTES)) {
    throw new DomainError(
      'invalid-output-review-limit',
      `The review limit is a whole number of minutes from 1 to ${MAX_OUTPUT_REVIEW_LIMIT_MINUTES}, or null for the registry default.`,
      400,
      'limitMinutes',
    );
  }
  if (minutes === state.outputReviewLimitMinutes) {
    throw new DomainError('output-review-limit-unchanged', `AI system ${state.aiSystemId} already has this review limit.`, 409, 'limitMinutes');
  }
  return [
    {
      type: 'ai-systems.OutputReviewLimitSet',
      data: { aiSystemId: state.aiSystemId, limitMinutes: minutes, reason: command.reason?.trim() || null, setAt: command.now },
    },
  ];
}

/** A blank version would become a "known version" that reviews could cite. */
function requireVersion(version: string): string {
  const trimmed = version.trim();
  if (!trimmed) throw new DomainError('version-required', 'A version is required.', 400, 'version');
  return trimmed;
}

/** Suspending or resuming use is an oversight decision: the record must say why. */
function requireReason(reason: string, action: string): string {
  const trimmed = reason.trim();
  if (!trimmed) {
    throw new DomainError('reason-required', `A reason is required for ${action} use.`, 400, 'reason');
  }
  return trimmed;
}

function evolve(state: AiSystemState, event: AiSystemEvent): AiSystemState {
  if (event.type === 'ai-systems.AiSystemRegistered') return registered(event.data);
  // Later events only follow a registration; anything else is not this stream's history.
  if (!state.exists) return state;
  switch (event.type) {
    case 'ai-systems.AiSystemVersionChanged':
      return {
        ...state,
        currentVersion: event.data.version,
        ifuVersion: event.data.ifuVersion,
        knownVersions: state.knownVersions.includes(event.data.version) ? state.knownVersions : [...state.knownVersions, event.data.version],
      };
    case 'ai-systems.AiSystemUseSuspended':
      return {
        ...state,
        status: 'suspended',
        suspension: { reason: event.data.reason, suspendedAt: event.data.suspendedAt },
      };
    case 'ai-systems.AiSystemUseResumed':
      return { ...state, status: 'active', suspension: null };
    case 'ai-systems.OutputReviewLimitSet':
      return { ...state, outputReviewLimitMinutes: event.data.limitMinutes };
    default:
      // Event types added later are ignored by older code rather than breaking the fold.
      return state;
  }
}

function registered({ version, ...data }: AiSystemRegisteredData): RegisteredAiSystem {
  return { ...data, exists: true, status: 'active', currentVersion: version, knownVersions: [version], suspension: null, outputReviewLimitMinutes: null };
}

export const aiSystemDecider: Decider<AiSystemState, AiSystemCommand, AiSystemEvent> = {
  initialState: initialAiSystemState,
  decide,
  evolve,
};
