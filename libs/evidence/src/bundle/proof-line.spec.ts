import { canonicalJson } from '../ledger/canonical-json';
import { parseProofLine } from './bundle-verifier';

// ADR 0049: proofs.jsonl lines in the writer's exact layout are read without JSON.parse; whatever
// the layout, a line must mean what JSON.parse makes of it, so both verifiers (and VERIFY.md B.5–B.6) agree.
const hex = (c: string) => c.repeat(64);
const canonical = (o: object) => canonicalJson(o);

describe('parseProofLine', () => {
  const proof = {
    leafHash: hex('a'),
    leafIndex: 49_999,
    position: 50_000,
    proof: [hex('b'), hex('c'), hex('0')],
    redacted: false,
    treeSize: 100_001,
  };

  it.each([
    ['a proof of three hashes', proof],
    ['an empty proof (a tree of one leaf)', { ...proof, leafIndex: 0, position: 1, proof: [], treeSize: 1 }],
    ['a withheld leaf', { ...proof, redacted: true }],
    ['non-hex elements (checked where they are used, as JSON.parse would give them)', { ...proof, proof: ['x'.repeat(64), hex('d')] }],
  ])('reads %s exactly as JSON.parse does', (_, o) => {
    const line = canonical(o);
    expect(parseProofLine(line)).toEqual(JSON.parse(line));
  });

  it.each([
    ['members in another order', `{"leafIndex":1,"leafHash":"${hex('a')}","position":2,"proof":[],"redacted":false,"treeSize":3}`],
    ['spaces', `{"leafHash": "${hex('a')}","leafIndex":1,"position":2,"proof":[],"redacted":false,"treeSize":3}`],
    [
      'an escape in a proof element',
      `{"leafHash":"${hex('a')}","leafIndex":1,"position":2,"proof":["\\u0030${'0'.repeat(58)}"],"redacted":false,"treeSize":3}`,
    ],
    ['a number with an exponent', `{"leafHash":"${hex('a')}","leafIndex":1e0,"position":2,"proof":[],"redacted":false,"treeSize":3}`],
    ['a leading zero', `{"leafHash":"${hex('a')}","leafIndex":01,"position":2,"proof":[],"redacted":false,"treeSize":3}`],
    ['a short element', `{"leafHash":"${hex('a')}","leafIndex":1,"position":2,"proof":["${'b'.repeat(63)}"],"redacted":false,"treeSize":3}`],
    ['an extra member', `{"leafHash":"${hex('a')}","leafIndex":1,"position":2,"proof":[],"redacted":false,"treeSize":3,"x":1}`],
  ])('leaves a line with %s to JSON.parse (same result or the same SyntaxError)', (_, line) => {
    let expected: unknown;
    try {
      expected = JSON.parse(line);
    } catch (err) {
      expect(() => parseProofLine(line)).toThrow((err as Error).constructor as typeof SyntaxError);
      return;
    }
    expect(parseProofLine(line)).toEqual(expected);
  });
});
