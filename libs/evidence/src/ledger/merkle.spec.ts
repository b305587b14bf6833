import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson, sortedKeys } from './canonical-json';
import { EMPTY_ROOT, leafHash, MerkleTree, verifyConsistency, verifyInclusion } from './merkle';

const hex = (b: Buffer) => b.toString('hex');
const unhex = (s: string) => Buffer.from(s, 'hex');

// Certificate Transparency reference vectors (RFC 6962 §2.1, same tree as RFC 9162).
const CT_DATA = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(unhex);
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('Merkle tree (RFC 9162)', () => {
  const ct = new MerkleTree(CT_DATA.map(leafHash));

  it('matches the reference roots for every size', () => {
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    for (let n = 1; n <= 8; n++) expect(hex(ct.root(n))).toBe(CT_ROOTS[n - 1]);
  });

  it('hashes a leaf given as text exactly as its UTF-8 bytes', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => expect(hex(leafHash(text))).toBe(hex(leafHash(Buffer.from(text, 'utf8'))))));
  });

  it('produces the reference inclusion proofs', () => {
    expect(ct.inclusionProof(0, 8).map(hex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(ct.inclusionProof(5, 8).map(hex)).toEqual([
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
  });

  it('produces the reference consistency proofs', () => {
    expect(ct.consistencyProof(2, 8).map(hex)).toEqual([
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(ct.consistencyProof(6, 8).map(hex)).toEqual([
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
  });

  const N = 40;
  const leaves = Array.from({ length: N }, (_, i) => leafHash(createHash('sha256').update(`leaf ${i}`).digest()));
  const tree = new MerkleTree(leaves);

  it('verifies every inclusion proof of every tree size, and rejects a flipped byte', () => {
    for (let n = 1; n <= N; n++) {
      const root = tree.root(n);
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i, n);
        expect(verifyInclusion(i, n, leaves[i], proof, root)).toBe(true);
        if (proof.length) {
          const bad = proof.map((p) => Buffer.from(p));
          bad[0][0] ^= 1;
          expect(verifyInclusion(i, n, leaves[i], bad, root)).toBe(false);
          expect(verifyInclusion(i, n, leaves[i], proof.slice(1), root)).toBe(false);
        }
        if (n > 1) expect(verifyInclusion(i, n, leaves[(i + 1) % n], proof, root)).toBe(false);
      }
    }
  });

  it('verifies every consistency proof between sizes, and rejects a tampered one', () => {
    for (let n = 1; n <= N; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        expect(verifyConsistency(m, n, tree.root(m), tree.root(n), proof)).toBe(true);
        if (proof.length) {
          const bad = proof.map((p) => Buffer.from(p));
          bad[bad.length - 1][5] ^= 0x80;
          expect(verifyConsistency(m, n, tree.root(m), tree.root(n), bad)).toBe(false);
        }
        if (m < n) expect(verifyConsistency(m, n, tree.root(m), tree.root(m), proof)).toBe(false);
      }
    }
  });

  it('refuses proofs for leaves or sizes outside the tree', () => {
    expect(() => tree.inclusionProof(5, 5)).toThrow(RangeError);
    expect(() => tree.root(N + 1)).toThrow(RangeError);
    expect(() => tree.consistencyProof(0, 5)).toThrow(RangeError);
  });
});

describe('JSON canonicalisation (RFC 8785)', () => {
  it('sorts members by UTF-16 code units and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], '€': 1, '\u0080': 2, c: { z: 1, y: 2 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"c":{"y":2,"z":1},"\u0080":2,"€":1}',
    );
  });

  it('serialises numbers and strings as ECMAScript does (RFC 8785 §3.2.2)', () => {
    expect(canonicalJson([1e21, 1e-7, -0, 0.1, 333333333.3333333, 'a\u2028\n"\\\u001f'])).toBe(
      '[1e+21,1e-7,0,0.1,333333333.3333333,"a\u2028\\n\\"\\\\\\u001f"]',
    );
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ x: () => 1 })).toThrow(TypeError);
  });

  // RFC 8785 §3.2 read literally: members sorted, each primitive as JSON.stringify writes it.
  const definition = (v: unknown): string => {
    if (v === null || typeof v !== 'object') return JSON.stringify(v);
    if (Array.isArray(v)) return `[${v.map(definition).join(',')}]`;
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${definition(o[k])}`)
      .join(',')}}`;
  };
  const reversed = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(reversed);
    return Object.fromEntries(
      Object.entries(v)
        .reverse()
        .map(([k, x]) => [k, reversed(x)]),
    );
  };

  it('is the definition for any JSON value, whatever the order of its members', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(v)).toBe(definition(v));
        expect(canonicalJson(reversed(v))).toBe(definition(v));
      }),
      { numRuns: 500 },
    );
  });

  it('orders keys as the default sort does, in place for small objects and by sort() for large (integer-like, astral, lone surrogates)', () => {
    const key = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.nat().map(String),
      fc.constantFrom('\ud800', '\udc00', '\uffff', '\u{1f600}', 'é', 'e\u0301'),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }).chain((n) => fc.uniqueArray(key, { minLength: n, maxLength: n })),
        (ks) => {
          const o = Object.fromEntries(ks.map((k) => [k, 1]));
          expect(sortedKeys(o)).toEqual(Object.keys(o).sort());
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('stays the definition with more member names than it quotes once and keeps', () => {
    const many = Object.fromEntries(Array.from({ length: 9000 }, (_, i) => [`k${(i * 7919) % 9000}`, { [`n${i}`]: i, a: [i, `s${i}`] }]));
    expect(canonicalJson(many)).toBe(definition(many));
    expect(canonicalJson(many)).toBe(definition(many));
  });
});

describe('CompactRange', () => {
  it('computes the same root as the full tree after every append', () => {
    const { CompactRange } = jest.requireActual<typeof import('./compact-range')>('./compact-range');
    const leaves = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from(`x${i}`)));
    const full = new MerkleTree(leaves);
    const range = new CompactRange();
    expect(range.root().equals(EMPTY_ROOT)).toBe(true);
    leaves.forEach((l, i) => {
      range.append(l);
      expect(range.root().toString('hex')).toBe(full.root(i + 1).toString('hex'));
    });
  });
});
