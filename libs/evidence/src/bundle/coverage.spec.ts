import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { EventEnvelope } from '@app/event-store';
import { CoverageDeriver, type CoverageFile, isoMs } from './coverage';

const parse = (text: string) => JSON.parse(text) as CoverageFile;

const PY_VERIFIER_DIR = join(__dirname, '..', '..', '..', '..', 'test', 'verifier-py');

let position = 0;
const line = (type: string, data: unknown) =>
  ({ globalPosition: ++position, streamId: `s-${position}`, streamRevision: 0, type, data }) as unknown as EventEnvelope;
const produced = (ref: string, producedAt: string, version = '1.0') =>
  line('oversight.AiOutputProduced', { aiSystemId: 'sys', modelVersion: version, outputReference: ref, producedAt });
const reviewed = (reviewId: string, ref: string, decidedAt: string, decision = 'accepted', reviewer: unknown = { subject: 'alice', role: 'clinician' }) =>
  line('oversight.AiOutputReviewed', { reviewId, aiSystemId: 'sys', outputReference: ref, decision, decidedAt, reviewer });

/** The events of a small history, hostile lines included, and what the Python verifier derives from them. */
function bothDerive(events: EventEnvelope[], issuedAt: string, to: string | null): { ts: string; py: string } {
  const d = new CoverageDeriver(issuedAt, to);
  for (const e of events)
    if (e.data === null) d.withheldLine();
    else d.event(e);
  const py = execFileSync(
    'python3',
    [
      '-c',
      [
        'import json,sys; sys.path.insert(0, sys.argv[1]); import verify_bundle as v',
        'a = json.loads(sys.stdin.read()); c = v.Coverage(a["issuedAt"], a["to"])',
        'for e in a["events"]:\n  (setattr(c, "withheld", c.withheld + 1) if e["data"] is None else c.event(e))',
        'sys.stdout.write(c.text())',
      ].join('\n'),
      PY_VERIFIER_DIR,
    ],
    { input: JSON.stringify({ events, issuedAt, to }) },
  ).toString();
  return { ts: d.bytes().text, py };
}

describe('coverage.json (VERIFY.md B.15), derived alike by the writer and the Python verifier', () => {
  it('reads ISO times strictly: the whole string, ASCII digits, real dates, the zone after a time', () => {
    expect(isoMs('2026-12-07T10:00:00.1234Z')).toBe(Date.parse('2026-12-07T10:00:00.123Z'));
    expect(isoMs('2026-12-07T11:00+01:00')).toBe(Date.parse('2026-12-07T10:00:00Z'));
    expect(isoMs('2026-12-07')).toBe(Date.parse('2026-12-07T00:00:00Z'));
    expect(isoMs('0050-01-01')).toBe(Date.parse('0050-01-01T00:00:00Z'));
    for (const bad of ['2026-02-30', '2026-12-07T10:00:00', '2026-12-07T24:00Z', '2026-12-07T10:00:00Z\n', '٢٠٢٦-12-07', '0000-01-01', 7])
      expect(isoMs(bad)).toBeNull();
  });

  it('counts the first live review, corrections and withdrawals by the as-of time; rounds half up; nearest rank', () => {
    position = 0;
    const events = [
      produced('a', '2026-12-01T10:00:00Z'),
      produced('b', '2026-12-01T10:00:00Z'),
      produced('c', '2026-12-01T10:00:00Z', '2.0'),
      produced('d', '2026-12-01T10:00:00Z'),
      produced('e', '2026-12-01T10:00:00Z'),
      // a: 90 s (1.5 min) and an earlier one withdrawn; the live one corrected to rejected.
      reviewed('r1', 'a', '2026-12-01T10:00:30Z'),
      reviewed('r2', 'a', '2026-12-01T10:01:30Z'),
      line('oversight.ReviewWithdrawn', { reviewId: 'r1', withdrawnAt: '2026-12-01T11:00:00Z' }),
      line('oversight.ReviewCorrected', { reviewId: 'r2', decision: 'rejected', correctedAt: '2026-12-01T11:00:00Z' }),
      // b: 2 min 57 s → 3.0 (half up from 2.95); its reviewer redacted (leaf format 2).
      reviewed('r3', 'b', '2026-12-01T10:02:57Z', 'modified', { $redacted: { commitment: 'a'.repeat(64), ground: 'privacy' } }),
      // c: decided before it was produced (clocks apart): 0; same reviewId again is ignored.
      reviewed('r4', 'c', '2026-12-01T09:59:00Z'),
      reviewed('r4', 'd', '2026-12-01T10:05:00Z'),
      // d: decided after the as-of time: not counted. e: a withdrawal after it does not count.
      reviewed('r5', 'd', '2026-12-02T00:00:01Z'),
      reviewed('r6', 'e', '2026-12-01T10:10:00Z'),
      line('oversight.ReviewWithdrawn', { reviewId: 'r6', withdrawnAt: '2026-12-03T00:00:00Z' }),
      // Hostile or foreign lines: skipped.
      line('oversight.AiOutputProduced', { aiSystemId: 'sys', modelVersion: '1.0', outputReference: 'x', producedAt: 'yesterday' }),
      line('oversight.AiOutputReviewed', ['not', 'an', 'object']),
      line('oversight.AiOutputReviewed', null),
    ];
    const { ts, py } = bothDerive(events, '2026-12-05T00:00:00Z', '2026-12-02T00:00:00Z');
    expect(py).toBe(ts);
    const file = parse(ts);
    expect(file.asOf).toBe('2026-12-02T00:00:00Z');
    expect(file.withheldEvents).toBe(1);
    expect(file.outputs.map((o) => o.minutesToReview)).toEqual([1.5, 3, 0, null, 10]);
    expect(file.outputs.map((o) => o.decision)).toEqual(['rejected', 'modified', 'accepted', null, 'accepted']);
    expect(file.outputs[1].reviewer).toBe('[redacted: privacy]');
    expect(file.outputs[3].status).toBe('not reviewed as of 2026-12-02T00:00:00Z');
    // Version 1.0: reviewed 1.5, 3, 10 → median rank ceil(1.5)=2 → 3, p90 rank ceil(2.7)=3 → 10.
    expect(file.systems).toEqual([
      { aiSystemId: 'sys', modelVersion: '1.0', produced: 4, reviewed: 3, unreviewed: 1, overridden: 2, medianMinutesToReview: 3, p90MinutesToReview: 10 },
      { aiSystemId: 'sys', modelVersion: '2.0', produced: 1, reviewed: 1, unreviewed: 0, overridden: 0, medianMinutesToReview: 0, p90MinutesToReview: 0 },
    ]);
  });

  it('is as of the tree head when the period has no end, or ends after it', () => {
    position = 0;
    const events = [produced('a', '2026-12-01T10:00:00Z')];
    expect(parse(bothDerive(events, '2026-12-05T00:00:00Z', null).ts).asOf).toBe('2026-12-05T00:00:00Z');
    const { ts, py } = bothDerive(events, '2026-12-05T00:00:00Z', '2027-01-01T00:00:00Z');
    expect(py).toBe(ts);
    expect(parse(ts).outputs[0].status).toBe('not reviewed as of 2026-12-05T00:00:00Z');
  });
});
