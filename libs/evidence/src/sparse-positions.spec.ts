import type { EventEnvelope } from '@app/event-store';
import { eventLeafHash } from './ledger/leaf';
import { checkSealedLeaf, type LeafRow, leafRows, missingPosition } from './ledger/log-check';
import { MerkleTree } from './ledger/merkle';
import { lastPositionRecordedBy } from './bundle/reconstruction';

/** KurrentDB-like positions: byte offsets of the records, increasing with gaps of any size. */
const SPARSE = [4_096, 4_391, 9_810, 9_811, 1_048_576, 2 ** 40 + 17];

function event(position: number, i: number): EventEnvelope {
  return {
    eventId: `0193a000-0000-7000-8000-${String(i).padStart(12, '0')}`,
    type: 'oversight.AiOutputReviewed',
    schemaVersion: 1,
    streamId: `review-${i % 2}`,
    streamRevision: Math.floor(i / 2),
    globalPosition: position,
    recordedAt: new Date(Date.UTC(2026, 10, 23, 10, 0, i)).toISOString(),
    data: { decision: i % 3 === 0 ? 'accepted' : 'rejected' },
    metadata: { actor: { subject: `u-${i}`, role: 'clinician' } },
  };
}

/** What verify() does with the sealed rows: every problem for the log as read now. */
function check(rows: LeafRow[], log: EventEnvelope[]) {
  const positions = log.map((e) => e.globalPosition);
  const hashes = log.map((e) => eventLeafHash(e));
  return rows.map((r) => checkSealedLeaf(r, positions, hashes)).filter(Boolean);
}

describe('Ledger on sparse positions (pure functions)', () => {
  const log = SPARSE.map(event);

  it('numbers leaves 0, 1, 2… in read order whatever the positions, continuing from the tree size', () => {
    const first = leafRows(0, log.slice(0, 4));
    const next = leafRows(4, log.slice(4));
    expect([...first, ...next].map((r) => [r.leafIndex, r.position])).toEqual(SPARSE.map((p, i) => [i, p]));
    expect(next[1].leafHash).toBe(eventLeafHash(log[5]).toString('hex'));
  });

  it('gives the same tree root as dense positions: the position is not part of a leaf', () => {
    const dense = SPARSE.map((_, i) => event(i + 1, i));
    const root = (events: EventEnvelope[]) => new MerkleTree(leafRows(0, events).map((r) => Buffer.from(r.leafHash, 'hex'))).root();
    expect(root(log).equals(root(dense))).toBe(true);
  });

  it('finds a sealed sparse log intact', () => {
    expect(check(leafRows(0, log), log)).toEqual([]);
  });

  it('reports a removed, an edited and a reordered event by their positions', () => {
    const rows = leafRows(0, log);
    expect(
      check(
        rows,
        log.filter((e) => e.globalPosition !== 9_811),
      ),
    ).toEqual([
      { position: 9_811, problem: 'sealed event at position 9811 is no longer in the log at its place' },
      { position: 1_048_576, problem: 'sealed event at position 1048576 is no longer in the log at its place' },
      { position: 2 ** 40 + 17, problem: `sealed event at position ${2 ** 40 + 17} is no longer in the log at its place` },
    ]);
    const edited = log.map((e) => (e.globalPosition === 4_391 ? { ...e, data: { decision: 'accepted' } } : e));
    expect(check(rows, edited)).toEqual([{ position: 4_391, problem: 'event at position 4391 differs from what was sealed' }]);
    const swapped = [log[0], log[2], log[1], ...log.slice(3)];
    expect(check(rows, swapped).map((p) => p!.position)).toEqual([4_391, 9_810]);
  });

  it('treats gaps as missing events only on a gap-free log', () => {
    expect(missingPosition(4_096, 4_391, false)).toBeUndefined();
    expect(missingPosition(0, 4_096, false)).toBeUndefined();
    expect(missingPosition(6, 7, true)).toBeUndefined();
    expect(missingPosition(6, 9, true)).toEqual({ position: 7, problem: 'event at position 7 is missing (next stored position is 9)' });
  });
});

describe('As-of reconstruction cut-off on sparse positions', () => {
  const log = SPARSE.map(event);
  const reads: number[] = [];
  const firstAfter = (after: number) => {
    reads.push(after);
    return Promise.resolve(log.find((e) => e.globalPosition > after));
  };
  const head = SPARSE[SPARSE.length - 1];

  it('finds the last event recorded at or before asOf, in about log2(head) reads', async () => {
    for (const [i, e] of log.entries()) {
      reads.length = 0;
      expect(await lastPositionRecordedBy(head, e.recordedAt, firstAfter)).toBe(SPARSE[i]);
      expect(reads.length).toBeLessThanOrEqual(Math.ceil(Math.log2(head)) + 1);
      // A moment before the next event still cuts at this one.
      const justBefore = new Date(Date.parse(e.recordedAt) + 999).toISOString();
      expect(await lastPositionRecordedBy(head, justBefore, firstAfter)).toBe(SPARSE[i]);
    }
  });

  it('is 0 before the first event and the head after the last', async () => {
    expect(await lastPositionRecordedBy(head, '2026-11-23T09:59:59.999Z', firstAfter)).toBe(0);
    expect(await lastPositionRecordedBy(head, '2027-01-01T00:00:00.000Z', firstAfter)).toBe(head);
    expect(await lastPositionRecordedBy(0, '2027-01-01T00:00:00.000Z', firstAfter)).toBe(0);
  });
});
