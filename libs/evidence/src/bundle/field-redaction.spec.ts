import { createHash, createHmac } from 'node:crypto';
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

  it('a clean event is written in the seed form: its seed moved to the top level, no salts, every value as stored', () => {
    const line = JSON.parse(formatTwoLineText(e)) as Record<string, unknown>;
    expect(line.seed).toBe('11'.repeat(32));
    expect(line.salts).toBeUndefined();
    expect((line.metadata as Record<string, unknown>).commitmentSeed).toBeUndefined();
    expect((line.data as { reason: string }).reason).toBe(e.data.reason);
  });
});

// ADR 0043: a line with its seed opens every member; one with a redacted member has salts only.
describe('format-2 seed lines: the verifier derives each salt, and a seed hides nothing', () => {
  const e = event('22'.repeat(32));
  const seedLine = () => JSON.parse(formatTwoLineText(e)) as Record<string, unknown> & { data: Record<string, unknown>; seed: string };

  it('derives each salt as HMAC-SHA256(seed, pointer), as written in VERIFY.md B.4a', () => {
    const salt = createHmac('sha256', Buffer.from(e.metadata.commitmentSeed as string, 'hex'))
      .update('/data/reason', 'utf8')
      .digest();
    const commitment = createHash('sha256').update(salt).update(canonicalJson(e.data.reason), 'utf8').digest('hex');
    expect(formatTwoLeaf(seedLine()).leaf).toContain(`"reason":{"$commitment":"${commitment}"}`);
  });

  it('a seed line that also claims a redaction is a problem, even with the true commitment (the seed would open it)', () => {
    const line = seedLine();
    const salt = createHmac('sha256', Buffer.from(line.seed, 'hex')).update('/data/reason', 'utf8').digest();
    line.data.reason = { $redacted: { commitment: createHash('sha256').update(salt).update(canonicalJson(e.data.reason)).digest('hex'), ground: 'privacy' } };
    const two = formatTwoLeaf(line);
    expect(two.leaf).toBe(leafText(e)); // the leaf alone would pass
    expect(two.problems).toEqual([expect.stringMatching(/^\/data\/reason is redacted in a line that shows its seed/)]);
  });

  it('a wrong seed gives another leaf; a malformed one, or seed and salts together, is a problem', () => {
    expect(formatTwoLeaf({ ...seedLine(), seed: '33'.repeat(32) }).leaf).not.toBe(leafText(e));
    expect(formatTwoLeaf({ ...seedLine(), seed: '22'.repeat(31) }).problems).toEqual(['the seed is not 64 lower-case hex digits']);
    expect(formatTwoLeaf({ ...seedLine(), seed: 'AB'.repeat(32) }).problems).toEqual(['the seed is not 64 lower-case hex digits']);
    expect(formatTwoLeaf({ ...seedLine(), salts: {} }).problems).toEqual(['a leaf-format-2 line has "salts" or "seed", not both']);
    const { seed: _seed, ...neither } = seedLine();
    expect(formatTwoLeaf(neither).problems).toEqual(['a leaf-format-2 line has "salts" or "seed"']);
  });

  it('a line with a redacted member never shows the seed', () => {
    const line = canonicalJson(formatTwoLine(e, [{ eventId: e.eventId, path: '/reason', ground: 'privacy' }]));
    expect(line).not.toContain('22'.repeat(32));
    expect(line).not.toContain('"seed"');
  });
});
