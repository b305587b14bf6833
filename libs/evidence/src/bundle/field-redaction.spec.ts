import type { EventEnvelope } from '@app/event-store';
import { canonicalJson } from '../ledger/canonical-json';
import { leafText } from '../ledger/leaf';
import { formatTwoLeaf, formatTwoLine, formatTwoLineText } from './field-redaction';

/** A format-2 event with committed members at several depths, in arrays, and a name to escape. */
function event(seed: string): EventEnvelope {
  return {
    globalPosition: 7,
    eventId: '0190a0b0-0000-7000-8000-000000000001',
    type: 'oversight.AiOutputReviewed',
    schemaVersion: 1,
    streamId: 'review-1',
    streamRevision: 0,
    recordedAt: '2026-12-07T00:00:00.000Z',
    data: {
      decision: 'agree',
      reviewer: { subject: 'dr-é', role: 'clinician' },
      reason: 'needs "quotes" \u2028',
      list: [{ note: 'n1' }, null, 3, [{ correctedBy: 'x' }]],
      'a/b~c': { title: 'T' },
      skipped: undefined,
    },
    metadata: { actor: { subject: 'dr-é', role: 'clinician' }, correlationId: 'c', commitmentSeed: seed },
  };
}

// The one-pass writers must give exactly the bytes of the plain definitions (ADR 0039): a
// difference would make exported bundles fail to verify, or verify against other leaves.
describe('format-2 lines written and read in one pass', () => {
  const e = event('11'.repeat(32));

  it('writes the same line as canonicalJson(formatTwoLine(e, []))', () => {
    expect(formatTwoLineText(e)).toBe(canonicalJson(formatTwoLine(e, [])));
  });

  it('reads back the line as its canonical form and the leaf the sealer hashed', () => {
    const line = formatTwoLineText(e);
    const two = formatTwoLeaf(JSON.parse(line) as Record<string, unknown>);
    expect(two.problems).toEqual([]);
    expect(two.line).toBe(line);
    expect(two.leaf).toBe(leafText(e));
  });

  it('a line whose committed value is not canonical reads back as another text (the verifier says so)', () => {
    const line = formatTwoLineText(e);
    const reordered = line.replace('{"role":"clinician","subject":"dr-é"}', '{"subject":"dr-é","role":"clinician"}');
    expect(reordered).not.toBe(line);
    const two = formatTwoLeaf(JSON.parse(reordered) as Record<string, unknown>);
    expect(two.line).toBe(line);
    expect(two.leaf).toBe(leafText(e));
  });

  it('a redacted member keeps the leaf and the line canonical; a changed value does not keep the leaf', () => {
    const shown = formatTwoLine(e, [{ eventId: e.eventId, path: '/reason', ground: 'privacy' }])!;
    const line = canonicalJson(shown);
    const two = formatTwoLeaf(JSON.parse(line) as Record<string, unknown>);
    expect(two.line).toBe(line);
    expect(two.leaf).toBe(leafText(e));
    expect(two.redacted.map((r) => r.pointer)).toEqual(['/data/reason']);
    const changed = JSON.parse(line.replace('"decision":"agree"', '"decision":"override"')) as Record<string, unknown>;
    expect(formatTwoLeaf(changed).leaf).not.toBe(leafText(e));
  });
});
