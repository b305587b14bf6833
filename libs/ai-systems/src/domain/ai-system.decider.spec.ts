import { type EventEnvelope, fold } from '@app/event-store/core';
import { DeciderSpecification } from '@app/event-store/testing';
import {
  type AiSystemCommand,
  type AiSystemEvent,
  type AiSystemRegistered,
  type AiSystemRegisteredData,
  type AiSystemVersionChangedData,
  type ChangeAiSystemVersion,
  type RegisterAiSystem,
  aiSystemDecider,
  aiSystemStreamId,
  MAX_OUTPUT_REVIEW_LIMIT_MINUTES,
  reviewableSnapshot,
} from './index';

const id = '0193a1b2-0000-7000-8000-000000000001';
const t0 = '2026-11-23T09:00:00.000Z';
const t1 = '2026-11-23T10:00:00.000Z';
const t2 = '2026-11-23T11:00:00.000Z';

const registerCommand: RegisterAiSystem = {
  type: 'RegisterAiSystem',
  aiSystemId: id,
  name: 'LungNodule Detect',
  supplier: { name: 'Acme Imaging B.V.', incidentContactEmail: 'vigilance@acme.example' },
  version: '2.1.0',
  intendedPurpose: 'Flags pulmonary nodules on chest CT for radiologist review.',
  aiActRiskClass: 'high',
  mdrClass: 'IIa',
  inHouseDevice: false,
  ifuVersion: 'IFU-2.1',
  oversightPersons: ['u-radiologist-1', 'u-radiologist-2'],
  ceMarking: 'CE 0344',
  udiDi: '08712345000017',
  now: t0,
};

const registeredData: AiSystemRegisteredData = {
  aiSystemId: id,
  name: 'LungNodule Detect',
  supplier: { name: 'Acme Imaging B.V.', incidentContactEmail: 'vigilance@acme.example', importerOrDistributor: null },
  version: '2.1.0',
  intendedPurpose: 'Flags pulmonary nodules on chest CT for radiologist review.',
  aiActRiskClass: 'high',
  mdrClass: 'IIa',
  inHouseDevice: false,
  ifuVersion: 'IFU-2.1',
  oversightPersons: ['u-radiologist-1', 'u-radiologist-2'],
  ceMarking: 'CE 0344',
  udiDi: '08712345000017',
  registeredAt: t0,
};

const registered: AiSystemRegistered = { type: 'ai-systems.AiSystemRegistered', data: registeredData };

const versionChanged = (previousVersion: string, version: string, more: Partial<AiSystemVersionChangedData> = {}): AiSystemEvent => ({
  type: 'ai-systems.AiSystemVersionChanged',
  data: {
    aiSystemId: id,
    previousVersion,
    version,
    ifuVersion: `IFU-${version}`,
    reason: null,
    changedAt: t1,
    ...more,
  },
});

const suspended: AiSystemEvent = {
  type: 'ai-systems.AiSystemUseSuspended',
  data: { aiSystemId: id, reason: 'False negatives reported by provider FSCA', suspendedAt: t1 },
};

const resumed: AiSystemEvent = {
  type: 'ai-systems.AiSystemUseResumed',
  data: { aiSystemId: id, reason: 'Provider patch validated locally', resumedAt: t2 },
};

const changeVersion = (version: string, more: Partial<ChangeAiSystemVersion> = {}): AiSystemCommand => ({
  type: 'ChangeAiSystemVersion',
  aiSystemId: id,
  version,
  ifuVersion: null,
  reason: null,
  now: t1,
  ...more,
});

const suspend = (reason = 'Provider field safety notice'): AiSystemCommand => ({
  type: 'SuspendAiSystemUse',
  aiSystemId: id,
  reason,
  now: t1,
});

const resume = (reason = 'Corrective action verified'): AiSystemCommand => ({
  type: 'ResumeAiSystemUse',
  aiSystemId: id,
  reason,
  now: t2,
});

const stateAfter = (events: AiSystemEvent[]) => fold(aiSystemDecider, events);

const given = DeciderSpecification.for(aiSystemDecider);

describe('ai-system decider', () => {
  it('names the stream ai-system-<id>', () => {
    expect(aiSystemStreamId(id)).toBe(`ai-system-${id}`);
  });

  describe('RegisterAiSystem', () => {
    it('registers a new system, stamped with the command time', () => {
      given([]).when(registerCommand).then([registered]);
    });

    it('does not copy fields the event does not define', () => {
      const [event] = aiSystemDecider.decide({ ...registerCommand, note: 'stray' } as RegisterAiSystem, aiSystemDecider.initialState());
      expect(Object.keys(event.data).sort()).toEqual(Object.keys(registeredData).sort());
    });

    it('refuses a system that is already registered', () => {
      given([registered]).when(registerCommand).thenThrows({ code: 'ai-system-exists', status: 409 });
    });

    it('refuses a blank version', () => {
      given([])
        .when({ ...registerCommand, version: '  ' })
        .thenThrows({ code: 'version-required', status: 400, field: 'version' });
    });

    it('refuses a prohibited AI practice (AI Act Art. 5), naming the class', () => {
      given([])
        .when({ ...registerCommand, aiActRiskClass: 'prohibited' })
        .thenThrows({ code: 'prohibited-ai-practice', status: 422, field: 'aiActRiskClass' });
    });
  });

  describe('on a system that is not registered', () => {
    it.each([changeVersion('2.2.0'), suspend(), resume()])('refuses $type with 404', (command) => {
      given([]).when(command).thenThrows({ code: 'ai-system-not-found', status: 404 });
    });
  });

  describe('ChangeAiSystemVersion', () => {
    it('records the previous and the new version', () => {
      given([registered])
        .when(changeVersion('2.2.0', { ifuVersion: 'IFU-2.2', reason: 'Provider release notes 2.2' }))
        .then([
          {
            type: 'ai-systems.AiSystemVersionChanged',
            data: {
              aiSystemId: id,
              previousVersion: '2.1.0',
              version: '2.2.0',
              ifuVersion: 'IFU-2.2',
              reason: 'Provider release notes 2.2',
              changedAt: t1,
            },
          },
        ]);
    });

    it('stores a blank reason as no reason', () => {
      given([registered])
        .when(changeVersion('2.2.0', { reason: '   ' }))
        .then([versionChanged('2.1.0', '2.2.0', { ifuVersion: null })]);
    });

    it('allows a roll-back to an earlier version', () => {
      given([registered, versionChanged('2.1.0', '2.2.0')])
        .when(changeVersion('2.1.0'))
        .then([versionChanged('2.2.0', '2.1.0', { ifuVersion: null })]);
    });

    it('allows a version change while use is suspended (the fix may be what ends it)', () => {
      given([registered, suspended])
        .when(changeVersion('2.2.0'))
        .then([versionChanged('2.1.0', '2.2.0', { ifuVersion: null })]);
    });

    it('refuses a change to the version already running', () => {
      given([registered, versionChanged('2.1.0', '2.2.0')])
        .when(changeVersion('2.2.0'))
        .thenThrows({ code: 'version-unchanged', status: 409, field: 'version' });
    });

    it('refuses a blank version', () => {
      given([registered]).when(changeVersion('')).thenThrows({ code: 'version-required', status: 400, field: 'version' });
    });
  });

  describe('SuspendAiSystemUse', () => {
    it('suspends use with a reason', () => {
      given([registered])
        .when(suspend('  Provider field safety notice '))
        .then([
          {
            type: 'ai-systems.AiSystemUseSuspended',
            data: { aiSystemId: id, reason: 'Provider field safety notice', suspendedAt: t1 },
          },
        ]);
    });

    it('refuses when use is already suspended', () => {
      given([registered, suspended]).when(suspend()).thenThrows({ code: 'ai-system-already-suspended', status: 409 });
    });

    it('refuses a blank reason', () => {
      given([registered]).when(suspend(' ')).thenThrows({ code: 'reason-required', status: 400, field: 'reason' });
    });
  });

  describe('ResumeAiSystemUse', () => {
    it('resumes suspended use with a reason', () => {
      given([registered, suspended])
        .when(resume())
        .then([
          {
            type: 'ai-systems.AiSystemUseResumed',
            data: { aiSystemId: id, reason: 'Corrective action verified', resumedAt: t2 },
          },
        ]);
    });

    it('refuses when use is not suspended', () => {
      given([registered]).when(resume()).thenThrows({ code: 'ai-system-not-suspended', status: 409 });
      given([registered, suspended, resumed]).when(resume()).thenThrows({ code: 'ai-system-not-suspended', status: 409 });
    });

    it('refuses a blank reason', () => {
      given([registered, suspended]).when(resume('')).thenThrows({ code: 'reason-required', status: 400, field: 'reason' });
    });
  });

  describe('evolve', () => {
    it('starts as a system that does not exist', () => {
      const state = aiSystemDecider.initialState();
      expect(state.exists).toBe(false);
      expect(state.status).toBe('active');
      expect(state.knownVersions).toEqual([]);
    });

    it('AiSystemRegistered: the system exists, active, on its first version', () => {
      expect(stateAfter([registered])).toEqual({
        exists: true,
        aiSystemId: id,
        name: 'LungNodule Detect',
        supplier: { name: 'Acme Imaging B.V.', incidentContactEmail: 'vigilance@acme.example', importerOrDistributor: null },
        intendedPurpose: 'Flags pulmonary nodules on chest CT for radiologist review.',
        aiActRiskClass: 'high',
        mdrClass: 'IIa',
        inHouseDevice: false,
        ceMarking: 'CE 0344',
        udiDi: '08712345000017',
        oversightPersons: ['u-radiologist-1', 'u-radiologist-2'],
        registeredAt: t0,
        status: 'active',
        currentVersion: '2.1.0',
        ifuVersion: 'IFU-2.1',
        knownVersions: ['2.1.0'],
        suspension: null,
        outputReviewLimitMinutes: null,
      });
    });

    it('AiSystemVersionChanged: moves the current version and remembers every version once, in order', () => {
      const state = stateAfter([registered, versionChanged('2.1.0', '2.2.0'), versionChanged('2.2.0', '2.1.0'), versionChanged('2.1.0', '3.0.0')]);
      expect(state).toMatchObject({
        currentVersion: '3.0.0',
        ifuVersion: 'IFU-3.0.0',
        knownVersions: ['2.1.0', '2.2.0', '3.0.0'],
      });
    });

    it('AiSystemUseSuspended: suspended, with reason and time', () => {
      expect(stateAfter([registered, suspended])).toMatchObject({
        status: 'suspended',
        suspension: { reason: 'False negatives reported by provider FSCA', suspendedAt: t1 },
      });
    });

    it('AiSystemUseResumed: active again', () => {
      expect(stateAfter([registered, suspended, resumed])).toMatchObject({
        status: 'active',
        suspension: null,
      });
    });

    it('folds stored envelopes as they come from the event store', () => {
      const envelope: EventEnvelope<AiSystemRegisteredData, 'ai-systems.AiSystemRegistered'> = {
        eventId: '0193a1b2-0000-7000-8000-0000000000e1',
        type: 'ai-systems.AiSystemRegistered',
        schemaVersion: 1,
        streamId: aiSystemStreamId(id),
        streamRevision: 0,
        globalPosition: 7,
        recordedAt: t0,
        data: registeredData,
        metadata: {},
      };
      expect(stateAfter([envelope]).currentVersion).toBe('2.1.0');
    });

    it('ignores event types it does not know', () => {
      const later = { type: 'ai-systems.AiSystemRetired', data: {} } as unknown as AiSystemEvent;
      expect(stateAfter([registered, later])).toEqual(stateAfter([registered]));
    });
  });

  describe('SetOutputReviewLimit', () => {
    const setLimit = (limitMinutes: number | null, reason: string | null = 'Stroke triage: minutes matter'): AiSystemCommand => ({
      type: 'SetOutputReviewLimit',
      aiSystemId: id,
      limitMinutes,
      reason,
      now: t1,
    });
    const limitSet = (limitMinutes: number | null, reason: string | null = 'Stroke triage: minutes matter'): AiSystemEvent => ({
      type: 'ai-systems.OutputReviewLimitSet',
      data: { aiSystemId: id, limitMinutes, reason, setAt: t1 },
    });

    it('sets a limit of its own for the system, stamped with the command time', () => {
      given([registered])
        .when(setLimit(15))
        .then([limitSet(15)]);
      expect(stateAfter([registered, limitSet(15)]).outputReviewLimitMinutes).toBe(15);
    });

    it('goes back to the registry default with null', () => {
      given([registered, limitSet(15)])
        .when(setLimit(null, null))
        .then([limitSet(null, null)]);
      expect(stateAfter([registered, limitSet(15), limitSet(null, null)]).outputReviewLimitMinutes).toBeNull();
    });

    it.each([0, -5, 1.5, MAX_OUTPUT_REVIEW_LIMIT_MINUTES + 1])('refuses %p minutes, naming the field', (minutes) => {
      given([registered]).when(setLimit(minutes)).thenThrows({ code: 'invalid-output-review-limit', status: 400, field: 'limitMinutes' });
    });

    it('accepts the longest limit', () => {
      given([registered])
        .when(setLimit(MAX_OUTPUT_REVIEW_LIMIT_MINUTES))
        .then([limitSet(MAX_OUTPUT_REVIEW_LIMIT_MINUTES)]);
    });

    it('refuses the limit the system already has (409): nothing would change', () => {
      given([registered, limitSet(15)])
        .when(setLimit(15))
        .thenThrows({ code: 'output-review-limit-unchanged', status: 409, field: 'limitMinutes' });
      given([registered]).when(setLimit(null)).thenThrows({ code: 'output-review-limit-unchanged', status: 409, field: 'limitMinutes' });
    });

    it('refuses a system that is not registered (404)', () => {
      given([]).when(setLimit(15)).thenThrows({ code: 'ai-system-not-found', status: 404 });
    });
  });

  describe('reviewableSnapshot', () => {
    it('of an unregistered system', () => {
      expect(reviewableSnapshot(aiSystemDecider.initialState())).toEqual({
        exists: false,
        status: 'active',
        knownVersions: [],
        name: null,
      });
    });

    it('of a suspended system with two versions', () => {
      const state = stateAfter([registered, versionChanged('2.1.0', '2.2.0'), suspended]);
      expect(reviewableSnapshot(state)).toEqual({
        exists: true,
        status: 'suspended',
        knownVersions: ['2.1.0', '2.2.0'],
        name: 'LungNodule Detect',
      });
    });

    it('is a copy: changing it does not change the state', () => {
      const state = stateAfter([registered]);
      reviewableSnapshot(state).knownVersions.push('9.9.9');
      expect(state.knownVersions).toEqual(['2.1.0']);
    });
  });
});
