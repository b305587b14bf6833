import { type Actor, type Decider, DomainError, streamIdentity, eventTypes, type EventsOf } from '@app/event-store/core';
import { isIsoInstant, type RetentionRule } from './retention-rule';

export const logArtefactStream = streamIdentity('log-');
export const logArtefactStreamId = logArtefactStream.streamOf;

export interface ArtefactSource {
  /** How it arrived: the HTTP upload, `registry logs ingest` or the watched folder (`registry logs watch`). */
  channel: 'api' | 'cli' | 'folder';
  contentType: string;
  filename: string | null;
}

export interface LogArtefactRecordedData {
  artefactId: string;
  aiSystemId: string;
  kind: string;
  periodFrom: string;
  periodTo: string;
  sizeBytes: number;
  sha256: string;
  source: ArtefactSource;
  rule: RetentionRule;
  recordedBy: Actor;
  receivedAt: string;
}

/** An explicit per-artefact retention (e.g. longer for an ongoing audit); never below the minimum. */
export interface RetentionSetData {
  artefactId: string;
  purgeDueAt: string | null;
  legalBasis: string;
  setBy: Actor;
  setAt: string;
}

/** Phase 1 of a purge: the decision point holds are checked against (docs/adr/0007). */
export interface PurgeRequestedData {
  artefactId: string;
  runId: string;
  purgeDueAt: string;
  requestedBy: Actor;
  requestedAt: string;
}

/** The tombstone: proves what existed (digest, size) and why it is gone (rule). */
export interface LogArtefactPurgedData {
  artefactId: string;
  runId: string;
  sha256: string;
  sizeBytes: number;
  rule: RetentionRule;
  purgeDueAt: string;
  /** Every hold event up to this global position was checked (it is at least the request's position). */
  holdsCheckedThrough: number;
  purgedBy: Actor;
  purgedAt: string;
}

export interface PurgeRefusedData {
  artefactId: string;
  runId: string;
  reason: 'legal-hold';
  holdIds: string[];
  holdsCheckedThrough: number;
  refusedBy: Actor;
  refusedAt: string;
}

/**
 * A tombstone taken back before the content was deleted: a hold covering the artefact committed
 * before the tombstone (in the global order) but after the purge had read the holds. The blob is
 * deleted only once the holds up to the tombstone's own position are checked (docs/adr/0020).
 */
export interface PurgeRevokedData {
  artefactId: string;
  runId: string;
  reason: 'legal-hold';
  holdIds: string[];
  /** Global position of the tombstone taken back; every hold below it was checked. */
  tombstonePosition: number;
  revokedBy: Actor;
  revokedAt: string;
}

/** Downloads are recorded on the artefact itself (NEN 7513-style access log). */
export interface LogArtefactDownloadedData {
  artefactId: string;
  downloadedBy: Actor;
  downloadedAt: string;
}

/** The events, declared once: type → data; the union and the list of types derive from it. */
export interface LogArtefactEventData {
  'retention.LogArtefactRecorded': LogArtefactRecordedData;
  'retention.RetentionSet': RetentionSetData;
  'retention.PurgeRequested': PurgeRequestedData;
  'retention.LogArtefactPurged': LogArtefactPurgedData;
  'retention.PurgeRefused': PurgeRefusedData;
  'retention.PurgeRevoked': PurgeRevokedData;
  'retention.LogArtefactDownloaded': LogArtefactDownloadedData;
}

export type LogArtefactEvent = EventsOf<LogArtefactEventData>;

export const LOG_ARTEFACT_EVENT_TYPES = eventTypes<LogArtefactEventData>({
  'retention.LogArtefactRecorded': true,
  'retention.RetentionSet': true,
  'retention.PurgeRequested': true,
  'retention.LogArtefactPurged': true,
  'retention.PurgeRefused': true,
  'retention.PurgeRevoked': true,
  'retention.LogArtefactDownloaded': true,
});

/** The event's fields as the edge computed them, plus what the decider checks. */
export type RecordLogArtefact = Omit<LogArtefactRecordedData, 'receivedAt'> & {
  type: 'RecordLogArtefact';
  /** The AI system as loaded from its stream just before deciding. */
  systemExists: boolean;
  now: string;
};

export interface SetRetention {
  type: 'SetRetention';
  artefactId: string;
  purgeDueAt: string | null;
  legalBasis: string;
  setBy: Actor;
  now: string;
}

export interface RequestPurge {
  type: 'RequestPurge';
  artefactId: string;
  runId: string;
  requestedBy: Actor;
  now: string;
}

/** Phase 2: `holdIds` are the active holds covering the artefact, read after the request. */
export interface CompletePurge {
  type: 'CompletePurge';
  artefactId: string;
  runId: string;
  holdIds: string[];
  holdsCheckedThrough: number;
  by: Actor;
  now: string;
}

/** After the tombstone: `holdIds` are holds committed before it that the purge had not seen. */
export interface RevokePurge {
  type: 'RevokePurge';
  artefactId: string;
  runId: string;
  holdIds: string[];
  tombstonePosition: number;
  by: Actor;
  now: string;
}

export interface RecordDownload {
  type: 'RecordDownload';
  artefactId: string;
  downloadedBy: Actor;
  now: string;
}

export type LogArtefactCommand = RecordLogArtefact | SetRetention | RequestPurge | CompletePurge | RevokePurge | RecordDownload;

export type ArtefactStatus = 'stored' | 'purge-requested' | 'purged';

export interface LogArtefactState {
  exists: boolean;
  artefact: LogArtefactRecordedData | null;
  purgeDueAt: string | null;
  legalBasis: string | null;
  status: ArtefactStatus;
  pendingRunId: string | null;
  purgedAt: string | null;
  /** The run whose tombstone stands (for taking it back). */
  purgedByRun: string | null;
}

const SHA256 = /^[0-9a-f]{64}$/;
const KIND = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Kind and period: checked by the edge before any content is read, and again when deciding. */
export function checkArtefactLabels(labels: { kind: string; periodFrom: string; periodTo: string }): void {
  if (!KIND.test(labels.kind)) throw new DomainError('invalid-kind', 'kind must be 1–40 characters a–z, 0–9 and -', 400, 'kind');
  if (!isIsoInstant(labels.periodFrom)) throw new DomainError('invalid-timestamp', 'from must be a date-time', 400, 'from');
  if (!isIsoInstant(labels.periodTo)) throw new DomainError('invalid-timestamp', 'to must be a date-time', 400, 'to');
  if (labels.periodFrom > labels.periodTo) throw new DomainError('period-reversed', 'from must not be after to', 400, 'from');
}

function recorded(state: LogArtefactState): LogArtefactRecordedData {
  if (!state.exists || !state.artefact) throw new DomainError('artefact-not-found', 'No such log artefact', 404);
  return state.artefact;
}

/** The artefact, for any command but recording: it must exist and still have its content. */
function stillStored(state: LogArtefactState): LogArtefactRecordedData {
  const artefact = recorded(state);
  if (state.status === 'purged') {
    throw new DomainError('artefact-purged', `The log artefact was purged at ${state.purgedAt}; only its tombstone remains`, 409);
  }
  return artefact;
}

/** What a refusal and a take-back for holds both state: the artefact, the run, and the holds in order. */
function heldBy(artefactId: string, runId: string, holdIds: readonly string[]) {
  return { artefactId, runId, reason: 'legal-hold' as const, holdIds: [...holdIds].sort() };
}

function decide(command: LogArtefactCommand, state: LogArtefactState): LogArtefactEvent[] {
  switch (command.type) {
    case 'RecordLogArtefact': {
      if (state.exists) throw new DomainError('artefact-exists', 'This content is recorded already', 409);
      if (!command.systemExists) throw new DomainError('ai-system-not-found', 'No AI system with this id is registered', 404, 'system');
      checkArtefactLabels(command);
      if (command.sizeBytes <= 0) throw new DomainError('empty-upload', 'A log artefact must not be empty', 400, 'body');
      if (!SHA256.test(command.sha256)) throw new DomainError('invalid-sha256', 'sha256 must be 64 lowercase hex characters', 400, 'sha256');
      const { type: _type, systemExists: _exists, now, ...data } = command;
      return [{ type: 'retention.LogArtefactRecorded', data: { ...data, receivedAt: now } }];
    }
    case 'SetRetention': {
      const artefact = stillStored(state);
      if (command.purgeDueAt !== null && command.purgeDueAt < artefact.rule.keepUntil) {
        throw new DomainError(
          'below-minimum-retention',
          `The artefact must be kept until ${artefact.rule.keepUntil} (${artefact.rule.legalBasis})`,
          422,
          'purgeDueAt',
        );
      }
      if (!command.legalBasis.trim()) throw new DomainError('legal-basis-required', 'Say why the retention changes', 400, 'legalBasis');
      return [
        {
          type: 'retention.RetentionSet',
          data: { artefactId: artefact.artefactId, purgeDueAt: command.purgeDueAt, legalBasis: command.legalBasis, setBy: command.setBy, setAt: command.now },
        },
      ];
    }
    case 'RequestPurge': {
      const artefact = stillStored(state);
      // keepUntil ≤ purgeDueAt by construction; both are checked so no path shortens the minimum.
      if (state.purgeDueAt === null || command.now < state.purgeDueAt || command.now < artefact.rule.keepUntil) {
        throw new DomainError('not-due', `The artefact is not due for purge (due: ${state.purgeDueAt ?? 'never by its rule'})`, 409);
      }
      // A request left open by a crash is superseded: the new one is the decision point.
      return [
        {
          type: 'retention.PurgeRequested',
          data: {
            artefactId: artefact.artefactId,
            runId: command.runId,
            purgeDueAt: state.purgeDueAt,
            requestedBy: command.requestedBy,
            requestedAt: command.now,
          },
        },
      ];
    }
    case 'CompletePurge': {
      const artefact = stillStored(state);
      if (state.status !== 'purge-requested' || state.pendingRunId !== command.runId) {
        throw new DomainError('no-purge-requested', 'This run has no open purge request for the artefact', 409);
      }
      if (command.holdIds.length > 0) {
        return [
          {
            type: 'retention.PurgeRefused',
            data: {
              ...heldBy(artefact.artefactId, command.runId, command.holdIds),
              holdsCheckedThrough: command.holdsCheckedThrough,
              refusedBy: command.by,
              refusedAt: command.now,
            },
          },
        ];
      }
      return [
        {
          type: 'retention.LogArtefactPurged',
          data: {
            artefactId: artefact.artefactId,
            runId: command.runId,
            sha256: artefact.sha256,
            sizeBytes: artefact.sizeBytes,
            rule: artefact.rule,
            purgeDueAt: state.purgeDueAt!,
            holdsCheckedThrough: command.holdsCheckedThrough,
            purgedBy: command.by,
            purgedAt: command.now,
          },
        },
      ];
    }
    case 'RevokePurge': {
      const artefact = recorded(state);
      if (state.status !== 'purged' || state.purgedByRun !== command.runId) {
        throw new DomainError('no-tombstone', 'This run has no tombstone on the artefact to take back', 409);
      }
      if (command.holdIds.length === 0) throw new DomainError('no-hold', 'A tombstone is taken back only for a hold', 422);
      return [
        {
          type: 'retention.PurgeRevoked',
          data: {
            ...heldBy(artefact.artefactId, command.runId, command.holdIds),
            tombstonePosition: command.tombstonePosition,
            revokedBy: command.by,
            revokedAt: command.now,
          },
        },
      ];
    }
    case 'RecordDownload': {
      const artefact = stillStored(state);
      return [
        { type: 'retention.LogArtefactDownloaded', data: { artefactId: artefact.artefactId, downloadedBy: command.downloadedBy, downloadedAt: command.now } },
      ];
    }
  }
}

function evolve(state: LogArtefactState, event: LogArtefactEvent): LogArtefactState {
  switch (event.type) {
    case 'retention.LogArtefactRecorded':
      return {
        ...state,
        exists: true,
        artefact: event.data,
        purgeDueAt: event.data.rule.purgeDueAt,
        legalBasis: event.data.rule.legalBasis,
        status: 'stored',
      };
    case 'retention.RetentionSet':
      return { ...state, purgeDueAt: event.data.purgeDueAt, legalBasis: event.data.legalBasis };
    case 'retention.PurgeRequested':
      return { ...state, status: 'purge-requested', pendingRunId: event.data.runId };
    case 'retention.PurgeRefused':
      return { ...state, status: 'stored', pendingRunId: null };
    case 'retention.LogArtefactPurged':
      return { ...state, status: 'purged', pendingRunId: null, purgedAt: event.data.purgedAt, purgedByRun: event.data.runId };
    case 'retention.PurgeRevoked':
      return { ...state, status: 'stored', purgedAt: null, purgedByRun: null };
    case 'retention.LogArtefactDownloaded':
      return state;
  }
}

export const logArtefactDecider: Decider<LogArtefactState, LogArtefactCommand, LogArtefactEvent> = {
  initialState: () => ({
    exists: false,
    artefact: null,
    purgeDueAt: null,
    legalBasis: null,
    status: 'stored',
    pendingRunId: null,
    purgedAt: null,
    purgedByRun: null,
  }),
  decide,
  evolve,
};
