import type { EventEnvelope } from '@app/event-store/core';
import { canonicalJson } from '../ledger/canonical-json';
import { businessTime } from './scope';

const event = (data: Record<string, unknown>): EventEnvelope => ({
  eventId: 'e1',
  type: 'monitoring.OutcomeConfirmed',
  schemaVersion: 1,
  streamId: 'outcome-1',
  streamRevision: 0,
  globalPosition: 1,
  recordedAt: '2026-12-07T14:00:00.000Z',
  data,
  metadata: {},
});

describe('business time (VERIFY.md B.9)', () => {
  it('takes the first member ending in At in the canonical line order, whatever order the stored event has', () => {
    // Stored as the decider wrote it: producedAt before knownAt; the bundle's line sorts knownAt first.
    const stored = event({ producedAt: '2026-12-07T13:00:00.000Z', knownAt: '2026-12-07T13:59:00.000Z' });
    const line = event(JSON.parse(canonicalJson(stored.data)) as Record<string, unknown>);
    expect(Object.keys(line.data)).toEqual(['knownAt', 'producedAt']);
    expect(businessTime(stored)).toBe('2026-12-07T13:59:00.000Z');
    expect(businessTime(line)).toBe(businessTime(stored));
  });

  it('prefers the listed members, then falls back to recordedAt', () => {
    expect(businessTime(event({ knownAt: '2026-12-01T00:00:00.000Z', decidedAt: '2026-12-02T00:00:00.000Z' }))).toBe('2026-12-02T00:00:00.000Z');
    expect(businessTime(event({ note: null }))).toBe('2026-12-07T14:00:00.000Z');
  });
});
