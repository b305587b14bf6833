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
    if (e.data === null) d.withheldLine(e.streamId);
    else d.event(e);
  const py = execFileSync(
    'python3',
    [
      '-c',
      [
        'import json,sys; sys.path.insert(0, sys.argv[1]); import verify_bundle as v',
        'a = json.loads(sys.stdin.read()); c = v.Coverage(a["issuedAt"], a["to"])',
        'for e in a["events"]:\n  (c.withheld_line(e["streamId"]) if e["data"] is None else c.event(e))',
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
      {
        aiSystemId: 'sys',
        modelVersion: '1.0',
        limitMinutes: null,
        produced: 4,
        reviewed: 3,
        unreviewed: 1,
        overridden: 2,
        overdue: null,
        medianMinutesToReview: 3,
        p90MinutesToReview: 10,
      },
      // All reviewed: none overdue, whatever the limit.
      {
        aiSystemId: 'sys',
        modelVersion: '2.0',
        limitMinutes: null,
        produced: 1,
        reviewed: 1,
        unreviewed: 0,
        overridden: 0,
        overdue: 0,
        medianMinutesToReview: 0,
        p90MinutesToReview: 0,
      },
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

  it('counts outputs unreviewed past the limit the system had as of asOf, per ward too; a limit not in the events is not known', () => {
    position = 0;
    const limit = (aiSystemId: string, limitMinutes: unknown, setAt: string) =>
      ({ ...line('ai-systems.OutputReviewLimitSet', { aiSystemId, limitMinutes, reason: null, setAt }), streamId: `ai-system-${aiSystemId}` }) as EventEnvelope;
    const fed = (system: string, ref: string, producedAt: string, ward?: unknown) =>
      line('oversight.AiOutputProduced', {
        aiSystemId: system,
        modelVersion: '1.0',
        outputReference: ref,
        producedAt,
        ...(ward === undefined ? {} : { ward }),
      });
    const withheld = (streamId: string) => ({ globalPosition: ++position, streamId, streamRevision: 0, data: null }) as unknown as EventEnvelope;
    const asOf = '2026-12-01T12:00:00Z';
    const events = [
      limit('sys', 60, '2026-12-01T08:00:00Z'),
      // Later than asOf: not yet the limit.
      limit('sys', 600, '2026-12-01T12:00:01Z'),
      // 2 h waiting: overdue; exactly 60 min: not (strictly more, as the API's alert); reviewed late: not.
      fed('sys', 'a', '2026-12-01T10:00:00Z', 'ICU'),
      fed('sys', 'b', '2026-12-01T11:00:00Z', 'ICU'),
      fed('sys', 'c', '2026-12-01T09:00:00Z', 'ED'),
      fed('sys', 'd', '2026-12-01T09:00:00Z'),
      reviewed('r1', 'c', '2026-12-01T11:30:00Z'),
      // Hostile limits reset what was known; a withheld line of the system's own stream hides it.
      limit('bad-number', 1.5, '2026-12-01T08:00:00Z'),
      limit('too-long', 10081, '2026-12-01T08:00:00Z'),
      limit('hidden', 5, '2026-12-01T08:00:00Z'),
      withheld('ai-system-hidden'),
      limit('reset', 5, '2026-12-01T08:00:00Z'),
      limit('reset', null, '2026-12-01T09:00:00Z'),
      limit('redacted-ward', 5, '2026-12-01T08:00:00Z'),
      fed('bad-number', 'e', '2026-12-01T00:00:00Z'),
      fed('too-long', 'f', '2026-12-01T00:00:00Z'),
      fed('hidden', 'g', '2026-12-01T00:00:00Z'),
      fed('reset', 'h', '2026-12-01T00:00:00Z'),
      fed('never-set', 'i', '2026-12-01T00:00:00Z'),
      fed('redacted-ward', 'j', '2026-12-01T00:00:00Z', { $redacted: { commitment: 'b'.repeat(64), ground: 'privacy' } }),
      // A withheld line elsewhere hides nothing about limits.
      withheld('ai-output-x'),
    ];
    const { ts, py } = bothDerive(events, asOf, null);
    expect(py).toBe(ts);
    const file = parse(ts);
    expect(file.withheldEvents).toBe(2);
    expect(file.outputs.map((o) => [o.outputReference, o.ward, o.overdue])).toEqual([
      ['a', 'ICU', true],
      ['b', 'ICU', false],
      ['c', 'ED', false],
      ['d', null, true],
      ['e', null, null],
      ['f', null, null],
      ['g', null, null],
      ['h', null, null],
      ['i', null, null],
      ['j', '[redacted: privacy]', true],
    ]);
    expect(file.systems.map((g) => [g.aiSystemId, g.limitMinutes, g.overdue])).toEqual([
      ['bad-number', null, null],
      ['hidden', null, null],
      ['never-set', null, null],
      ['redacted-ward', 5, 1],
      ['reset', null, null],
      ['sys', 60, 2],
      ['too-long', null, null],
    ]);
    expect(file.wards.filter((w) => w.aiSystemId === 'sys')).toEqual([
      {
        aiSystemId: 'sys',
        ward: null,
        produced: 1,
        reviewed: 0,
        unreviewed: 1,
        overridden: 0,
        overdue: 1,
        medianMinutesToReview: null,
        p90MinutesToReview: null,
      },
      {
        aiSystemId: 'sys',
        ward: 'ED',
        produced: 1,
        reviewed: 1,
        unreviewed: 0,
        overridden: 0,
        overdue: 0,
        medianMinutesToReview: 150,
        p90MinutesToReview: 150,
      },
      {
        aiSystemId: 'sys',
        ward: 'ICU',
        produced: 2,
        reviewed: 0,
        unreviewed: 2,
        overridden: 0,
        overdue: 1,
        medianMinutesToReview: null,
        p90MinutesToReview: null,
      },
    ]);
  });

  it('reads a limit written 5.0 as 5 in both verifiers (JSON numbers, not their spelling)', () => {
    position = 0;
    const events = [
      {
        ...line('ai-systems.OutputReviewLimitSet', { aiSystemId: 'sys', limitMinutes: 5, setAt: '2026-12-01T08:00:00Z' }),
        streamId: 'ai-system-sys',
      } as EventEnvelope,
      produced('a', '2026-12-01T10:00:00Z'),
    ];
    const d = new CoverageDeriver('2026-12-01T12:00:00Z', null);
    for (const e of events) d.event(e);
    const py = execFileSync(
      'python3',
      [
        '-c',
        [
          'import json,sys; sys.path.insert(0, sys.argv[1]); import verify_bundle as v',
          'c = v.Coverage("2026-12-01T12:00:00Z", None)',
          'for e in json.loads(sys.stdin.read().replace(\'"limitMinutes":5\', \'"limitMinutes":5.0\')): c.event(e)',
          'sys.stdout.write(c.text())',
        ].join('\n'),
        PY_VERIFIER_DIR,
      ],
      { input: JSON.stringify(events) },
    ).toString();
    expect(py).toBe(d.bytes().text);
    expect(parse(py).systems[0]).toMatchObject({ limitMinutes: 5, overdue: 1 });
  });
});
