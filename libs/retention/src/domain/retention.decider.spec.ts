import { fold } from '@app/event-store/core';
import { expectDomainError } from '@app/event-store/testing';
import {
  addMonths,
  type HoldScope,
  holdCovers,
  type LegalHoldCommand,
  type LegalHoldEvent,
  legalHoldDecider,
  type LogArtefactCommand,
  type LogArtefactEvent,
  logArtefactDecider,
  type RecordLogArtefact,
  retentionPolicyDecider,
  ruleFor,
  type SetRetentionPolicy,
} from './index';

const qm = { subject: 'qm-1', role: 'quality-manager' };
const legal = { subject: 'lena', role: 'legal' };
const clinician = { subject: 'alice', role: 'clinician' };
const artefactId = '0193a1b2-0000-8000-8000-0000000000a1';
const aiSystemId = '0193a1b2-0000-7000-8000-000000000001';
const sha = 'b'.repeat(64);
const rule = ruleFor({ terms: { minimumMonths: 6, maximumMonths: 12, legalBasis: 'policy v3' }, revision: 0 }, '2027-01-31T00:00:00.000Z');

const record = (more: Partial<RecordLogArtefact> = {}): RecordLogArtefact => ({
  type: 'RecordLogArtefact',
  artefactId,
  aiSystemId,
  kind: 'ai-system-log',
  periodFrom: '2027-01-01T00:00:00.000Z',
  periodTo: '2027-01-31T00:00:00.000Z',
  sizeBytes: 42,
  sha256: sha,
  source: { channel: 'api', contentType: 'application/x-ndjson', filename: null },
  rule,
  systemExists: true,
  recordedBy: qm,
  now: '2027-02-01T00:00:00.000Z',
  ...more,
});

function artefactAfter(commands: LogArtefactCommand[]): { events: LogArtefactEvent[] } {
  const events: LogArtefactEvent[] = [];
  for (const c of commands) events.push(...logArtefactDecider.decide(c, fold(logArtefactDecider, events)));
  return { events };
}

const refused = (run: () => unknown, code: string, status: number) => expectDomainError(run, { code, status });

describe('retention rule', () => {
  it('counts calendar months from the end of the period, clamping to month end', () => {
    expect(addMonths('2027-01-31T00:00:00.000Z', 1)).toBe('2027-02-28T00:00:00.000Z');
    expect(addMonths('2027-08-31T12:00:00.000Z', 6)).toBe('2028-02-29T12:00:00.000Z');
    expect(rule).toMatchObject({ keepUntil: '2027-07-31T00:00:00.000Z', purgeDueAt: '2028-01-31T00:00:00.000Z', source: 'policy' });
  });

  it('keeps six months and purges never without a policy', () => {
    expect(ruleFor(null, '2027-01-31T00:00:00.000Z')).toMatchObject({ source: 'default', minimumMonths: 6, maximumMonths: null, purgeDueAt: null });
  });
});

describe('log artefact decider', () => {
  const requestAt = (now: string): LogArtefactCommand => ({ type: 'RequestPurge', artefactId, runId: 'run-1', requestedBy: qm, now });
  const complete = (holdIds: string[], runId = 'run-1'): LogArtefactCommand => ({
    type: 'CompletePurge',
    artefactId,
    runId,
    holdIds,
    holdsCheckedThrough: 17,
    by: qm,
    now: '2028-02-01T00:00:01.000Z',
  });

  it('records the artefact with its rule, without the snapshot or command time', () => {
    const [event] = logArtefactDecider.decide(record(), logArtefactDecider.initialState());
    expect(event.type).toBe('retention.LogArtefactRecorded');
    expect(event.data).toMatchObject({ artefactId, sha256: sha, rule, receivedAt: '2027-02-01T00:00:00.000Z' });
    expect(Object.keys(event.data)).not.toContain('systemExists');
  });

  it.each([
    [{ systemExists: false }, 'ai-system-not-found', 404],
    [{ sizeBytes: 0 }, 'empty-upload', 400],
    [{ periodFrom: '2027-02-01T00:00:00.000Z' }, 'period-reversed', 400],
    [{ kind: 'Bad Kind' }, 'invalid-kind', 400],
    [{ sha256: 'x' }, 'invalid-sha256', 400],
  ] as const)('refuses %o', (more, code, status) => {
    refused(() => logArtefactDecider.decide(record(more), logArtefactDecider.initialState()), code, status);
  });

  it('refuses the same content twice', () => {
    refused(() => artefactAfter([record(), record()]), 'artefact-exists', 409);
  });

  it('is not due before its maximum period, and never shortened below its minimum', () => {
    refused(() => artefactAfter([record(), requestAt('2028-01-30T23:59:59.999Z')]), 'not-due', 409);
    refused(
      () =>
        artefactAfter([
          record(),
          { type: 'SetRetention', artefactId, purgeDueAt: '2027-07-30T00:00:00.000Z', legalBasis: 'x', setBy: qm, now: '2027-03-01T00:00:00.000Z' },
        ]),
      'below-minimum-retention',
      422,
    );
  });

  it('purges in two phases and leaves a tombstone with digest, size and rule', () => {
    const { events } = artefactAfter([record(), requestAt('2028-02-01T00:00:00.000Z'), complete([])]);
    expect(events.map((e) => e.type)).toEqual(['retention.LogArtefactRecorded', 'retention.PurgeRequested', 'retention.LogArtefactPurged']);
    expect(events[2].data).toMatchObject({ sha256: sha, sizeBytes: 42, rule, holdsCheckedThrough: 17, purgedBy: qm });
    const state = fold(logArtefactDecider, events);
    expect(state.status).toBe('purged');
    refused(() => logArtefactDecider.decide(requestAt('2029-01-01T00:00:00.000Z'), state), 'artefact-purged', 409);
    refused(
      () => logArtefactDecider.decide({ type: 'RecordDownload', artefactId, downloadedBy: legal, now: '2029-01-01T00:00:00.000Z' }, state),
      'artefact-purged',
      409,
    );
  });

  it('refuses the purge when a hold covers the artefact, and can request again later', () => {
    const { events } = artefactAfter([record(), requestAt('2028-02-01T00:00:00.000Z'), complete(['h2', 'h1'])]);
    expect(events[2]).toMatchObject({ type: 'retention.PurgeRefused', data: { reason: 'legal-hold', holdIds: ['h1', 'h2'] } });
    expect(fold(logArtefactDecider, events).status).toBe('stored');
    expect(() =>
      artefactAfter([record(), requestAt('2028-02-01T00:00:00.000Z'), complete(['h1']), requestAt('2028-03-01T00:00:00.000Z'), complete([])]),
    ).not.toThrow();
  });

  it('completes only the request of the same run, and lets a new run supersede a crashed one', () => {
    refused(() => artefactAfter([record(), complete([])]), 'no-purge-requested', 409);
    refused(() => artefactAfter([record(), requestAt('2028-02-01T00:00:00.000Z'), complete([], 'run-2')]), 'no-purge-requested', 409);
    const crashed = [record(), requestAt('2028-02-01T00:00:00.000Z')];
    const rerun: LogArtefactCommand = { type: 'RequestPurge', artefactId, runId: 'run-2', requestedBy: qm, now: '2028-02-02T00:00:00.000Z' };
    expect(artefactAfter([...crashed, rerun, complete([], 'run-2')]).events.at(-1)!.type).toBe('retention.LogArtefactPurged');
  });

  it('takes a tombstone back for a hold that committed before it, only for the run that wrote it', () => {
    const revoke = (holdIds: string[], runId = 'run-1'): LogArtefactCommand => ({
      type: 'RevokePurge',
      artefactId,
      runId,
      holdIds,
      tombstonePosition: 21,
      by: qm,
      now: '2028-02-01T00:00:02.000Z',
    });
    const purged = [record(), requestAt('2028-02-01T00:00:00.000Z'), complete([])];
    const { events } = artefactAfter([...purged, revoke(['h9'])]);
    expect(events.at(-1)).toMatchObject({ type: 'retention.PurgeRevoked', data: { holdIds: ['h9'], tombstonePosition: 21, reason: 'legal-hold' } });
    const state = fold(logArtefactDecider, events);
    expect(state).toMatchObject({ status: 'stored', purgedAt: null, purgedByRun: null });
    expect(() => logArtefactDecider.decide({ type: 'RecordDownload', artefactId, downloadedBy: legal, now: '2028-02-02T00:00:00.000Z' }, state)).not.toThrow();
    refused(() => artefactAfter([...purged, revoke(['h9'], 'run-2')]), 'no-tombstone', 409);
    refused(() => artefactAfter([...purged, revoke([])]), 'no-hold', 422);
    refused(() => artefactAfter([record(), revoke(['h9'])]), 'no-tombstone', 409);
  });
});

describe('retention policy decider', () => {
  const set = (more: Partial<SetRetentionPolicy> = {}): SetRetentionPolicy => ({
    type: 'SetRetentionPolicy',
    aiSystemId,
    kind: 'ai-system-log',
    minimumMonths: 6,
    maximumMonths: 60,
    legalBasis: 'NEN 7513: 5 years',
    systemExists: true,
    setBy: qm,
    now: '2027-01-01T00:00:00.000Z',
    ...more,
  });

  it('records the terms', () => {
    const events = retentionPolicyDecider.decide(set(), retentionPolicyDecider.initialState());
    expect(events[0].data).toMatchObject({ minimumMonths: 6, maximumMonths: 60, setAt: '2027-01-01T00:00:00.000Z' });
    expect(fold(retentionPolicyDecider, events).terms).toEqual({ minimumMonths: 6, maximumMonths: 60, legalBasis: 'NEN 7513: 5 years' });
  });

  it.each([
    [{ minimumMonths: 5 }, 'minimum-below-ai-act', 422],
    [{ maximumMonths: 5 }, 'maximum-below-minimum', 422],
    [{ legalBasis: ' ' }, 'legal-basis-required', 400],
    [{ systemExists: false }, 'ai-system-not-found', 404],
  ] as const)('refuses %o', (more, code, status) => {
    refused(() => retentionPolicyDecider.decide(set(more), retentionPolicyDecider.initialState()), code, status);
  });
});

describe('legal hold decider', () => {
  const holdId = 'h-1';
  const scope: HoldScope = {
    aiSystemIds: [aiSystemId],
    patientPseudonyms: [],
    incidentIds: [],
    disclosureRequestIds: [],
    from: '2027-01-01T00:00:00.000Z',
    to: null,
  };
  const place = (more: Partial<Extract<LegalHoldCommand, { type: 'PlaceLegalHold' }>> = {}): LegalHoldCommand => ({
    type: 'PlaceLegalHold',
    holdId,
    scope,
    reason: 'Claim 42',
    placedBy: legal,
    now: '2027-03-01T00:00:00.000Z',
    ...more,
  });
  const after = (commands: LegalHoldCommand[]) => {
    const events: LegalHoldEvent[] = [];
    for (const c of commands) events.push(...legalHoldDecider.decide(c, fold(legalHoldDecider, events)));
    return events;
  };
  const release = (by = legal): LegalHoldCommand => ({ type: 'ReleaseLegalHold', holdId, reason: 'settled', releasedBy: by, now: '2027-04-01T00:00:00.000Z' });

  it('places, reviews and releases', () => {
    const events = after([
      place({ placedBy: qm }),
      { type: 'ReviewLegalHold', holdId, note: 'keep', reviewedBy: legal, now: '2027-03-15T00:00:00.000Z' },
      release(),
    ]);
    expect(events.map((e) => e.type)).toEqual(['retention.LegalHoldPlaced', 'retention.LegalHoldReviewed', 'retention.LegalHoldReleased']);
    expect(fold(legalHoldDecider, events).active).toBe(false);
  });

  it('refuses a hold without scope, by a clinician, or reversed', () => {
    refused(() => after([place({ scope: { ...scope, aiSystemIds: [], from: null } })]), 'hold-without-scope', 400);
    refused(() => after([place({ placedBy: clinician })]), 'hold-needs-legal', 403);
    refused(() => after([place({ scope: { ...scope, to: '2026-01-01T00:00:00.000Z' } })]), 'period-reversed', 400);
  });

  it('is released by legal only, and once', () => {
    refused(() => after([place(), release(clinician)]), 'hold-needs-legal', 403);
    refused(() => after([place(), release(qm)]), 'hold-needs-legal', 403);
    refused(() => after([place(), release(), release()]), 'hold-released', 409);
    refused(() => after([release()]), 'hold-not-found', 404);
  });

  it('covers artefacts of its systems whose period overlaps its window; others only narrow nothing', () => {
    const artefact = { aiSystemId, periodFrom: '2026-12-01T00:00:00.000Z', periodTo: '2027-01-01T00:00:00.000Z' };
    expect(holdCovers(scope, artefact)).toBe(true);
    expect(holdCovers(scope, { ...artefact, periodTo: '2026-12-31T23:59:59.999Z' })).toBe(false);
    expect(holdCovers({ ...scope, aiSystemIds: ['other'] }, artefact)).toBe(false);
    const byPatientOnly: HoldScope = { aiSystemIds: [], patientPseudonyms: ['p-x'], incidentIds: [], disclosureRequestIds: [], from: null, to: null };
    expect(holdCovers(byPatientOnly, artefact)).toBe(true);
  });
});
