import { validate, version } from 'uuid';
import { newEventId } from './event-id';

describe('newEventId', () => {
  it('makes valid, unique UUID v7s that sort in the order they were made', () => {
    const ids = Array.from({ length: 50_000 }, () => newEventId());
    for (const id of [ids[0], ids[12_345], ids[49_999]]) {
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
    }
    expect(new Set(ids).size).toBe(ids.length);
    // Many ids share a millisecond here: order must come from the counter, not the clock.
    for (let i = 1; i < ids.length; i++) if (!(ids[i - 1] < ids[i])) throw new Error(`out of order at ${i}: ${ids[i - 1]} ≥ ${ids[i]}`);
  });

  it('carries the current time in its first 48 bits', () => {
    const before = Date.now();
    const id = newEventId();
    const msecs = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(msecs).toBeGreaterThanOrEqual(before);
    expect(msecs).toBeLessThanOrEqual(Date.now() + 1);
  });

  it('draws fresh random bits: two ids of one millisecond differ beyond the counter', () => {
    const ids = Array.from({ length: 2_000 }, () => newEventId());
    const tails = new Set(ids.map((id) => id.slice(-10)));
    expect(tails.size).toBeGreaterThan(1_990);
  });
});
