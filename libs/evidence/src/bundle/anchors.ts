import type { X509Certificate } from 'node:crypto';
import type { AnchorSummary, LedgerAnchor } from '../anchor/ledger-anchors.service';
import { TimestampError, verifyTimestampToken } from '../anchor/rfc3161';
import { canonicalJson } from '../ledger/canonical-json';
import { nodeHash } from '../ledger/merkle';
import type { PackedTree } from '../ledger/packed-tree';
import { type SignedTreeHead, treeHeadBytes } from '../ledger/tree-head';
import type { LineReader } from './bag-zip';
import { COSIGNATURE_KIND } from '../anchor/witnesses';
import { checkCosignedLine, type WitnessesVerdict } from './witness-anchors';
import type { Vkey } from '../anchor/signed-note';

/**
 * External anchors in a bundle (issue 22, build 3; ADR 0037): `data/anchors.jsonl`, one RFC 3161
 * time-stamped tree head per line with the RFC 9162 consistency proof from it to the bundle's
 * tree head. Writer, verifier and the VERIFY.md section (B.11) are together here so the rule is
 * stated once.
 */
export const ANCHORS_FILE = 'data/anchors.jsonl';
/**
 * At most this many anchors per bundle: each costs the verifier a CMS signature check (a process
 * for openssl). More candidates are thinned evenly, keeping the last; an event then shows a later
 * anchor than it could, never an earlier one.
 */
export const MAX_BUNDLE_ANCHORS = 100;

// ---------------------------------------------------------------- writing

/**
 * The anchors this bundle relies on: for each of its events (leaf indices, ascending) the first
 * anchored tree head that holds it, i.e. the earliest time it is proven to have been in the log.
 */
export function anchorsForBundle<A extends Omit<AnchorSummary, 'kind'>>(all: A[], leafCount: number, leafAt: (k: number) => number, treeSize: number): A[] {
  // One anchor per tree size (the earliest), smallest first.
  const bySize = new Map<number, A>();
  for (const a of all) {
    if (a.treeSize > treeSize || a.treeSize < 1) continue;
    const seen = bySize.get(a.treeSize);
    if (!seen || a.genTime < seen.genTime) bySize.set(a.treeSize, a);
  }
  const sorted = [...bySize.values()].sort((x, y) => x.treeSize - y.treeSize);
  const chosen: A[] = [];
  let a = 0;
  for (let k = 0; k < leafCount && a < sorted.length; k++) {
    const leaf = leafAt(k);
    while (a < sorted.length && sorted[a].treeSize <= leaf) a++;
    if (a < sorted.length && chosen[chosen.length - 1] !== sorted[a]) chosen.push(sorted[a]);
  }
  if (chosen.length <= MAX_BUNDLE_ANCHORS) return chosen;
  const step = chosen.length / MAX_BUNDLE_ANCHORS;
  return Array.from({ length: MAX_BUNDLE_ANCHORS }, (_, i) => chosen[Math.min(chosen.length - 1, Math.ceil((i + 1) * step) - 1)]);
}

/**
 * The same, for each kind of anchor apart (ADR 0054: a TSA's timestamps and the witnesses'
 * cosignatures, up to MAX_BUNDLE_ANCHORS of each), by tree size then kind.
 */
export function anchorsOfEachKind(all: AnchorSummary[], leafCount: number, leafAt: (k: number) => number, treeSize: number): AnchorSummary[] {
  const kinds = [...new Set(all.map((a) => a.kind))].sort();
  return kinds
    .flatMap((kind) =>
      anchorsForBundle(
        all.filter((a) => a.kind === kind),
        leafCount,
        leafAt,
        treeSize,
      ),
    )
    .sort((x, y) => x.treeSize - y.treeSize || (x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : 0));
}

/** One line of anchors.jsonl, canonical JSON. */
export function anchorLine(anchor: LedgerAnchor, tree: PackedTree): string {
  const c = anchor.checkpoint;
  return canonicalJson({
    authority: anchor.authority,
    checkpoint: { issuedAt: c.issuedAt, keyId: c.keyId, log: c.log, rootHash: c.rootHash, signature: c.signature, treeSize: c.treeSize },
    consistency: anchor.treeSize === tree.size ? [] : tree.consistencyProofHex(anchor.treeSize),
    genTime: anchor.genTime,
    kind: anchor.kind,
    token: anchor.token,
  });
}

// ---------------------------------------------------------------- verifying

/**
 * RFC 9162 §2.1.4.2, "Verifying Consistency between Two Tree Heads", step by step as the RFC
 * words it (first < second; equal sizes need an empty proof and equal roots, outside the RFC):
 *
 * > 1. If consistency_path is an empty array, stop and fail the proof verification.
 * > 2. If first is an exact power of 2, then prepend first_hash to the consistency_path array.
 * > 3. Set fn to first - 1 and sn to second - 1.
 * > 4. If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set.
 * > 5. Set both fr and sr to the first value in the consistency_path array.
 * > 6. For each subsequent value c in the consistency_path array:
 * >    a. If sn is 0, then stop the iteration and fail the proof verification.
 * >    b. If LSB(fn) is set, or if fn is equal to sn, then:
 * >       i. Set fr to HASH(0x01 || c || fr).
 * >       ii. Set sr to HASH(0x01 || c || sr).
 * >       iii. If LSB(fn) is not set, then right-shift both fn and sn equally until either
 * >            LSB(fn) is set or fn is 0.
 * >       Otherwise:
 * >       i. Set sr to HASH(0x01 || sr || c).
 * >    c. Finally, right-shift both fn and sn one time.
 * > 7. After completing iterating through the consistency_path array as described above, verify
 * >    that the fr calculated is equal to the first_hash supplied, that the sr calculated is
 * >    equal to the second_hash supplied, and that sn is 0.
 *
 * Sizes are up to 2^53 here (arithmetic, not 32-bit shifts).
 */
export function consistent(first: number, second: number, firstHash: Buffer, secondHash: Buffer, consistencyPath: Buffer[]): boolean {
  if (!(first > 0 && first <= second)) return false;
  if (first === second) return consistencyPath.length === 0 && firstHash.equals(secondHash);
  if (consistencyPath.length === 0) return false; // 1
  const path = isPowerOfTwo(first) ? [firstHash, ...consistencyPath] : consistencyPath; // 2
  let fn = first - 1; // 3
  let sn = second - 1;
  const odd = (x: number) => x % 2 === 1;
  const half = (x: number) => Math.floor(x / 2);
  while (odd(fn)) [fn, sn] = [half(fn), half(sn)]; // 4
  let fr = path[0]; // 5
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false; // 6a
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr); // 6b i
      sr = nodeHash(c, sr); // 6b ii
      if (!odd(fn)) while (!odd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)]; // 6b iii
    } else {
      sr = nodeHash(sr, c); // otherwise i
    }
    [fn, sn] = [half(fn), half(sn)]; // 6c
  }
  return fr.equals(firstHash) && sr.equals(secondHash) && sn === 0; // 7
}

function isPowerOfTwo(n: number): boolean {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}

export interface AnchorProblem {
  file?: string;
  line?: number;
  problem: string;
}

/** A run of consecutive events (in log order) with the same anchor time. */
export interface AnchorCoverage {
  /** The earliest genTime of a checked anchor whose tree holds these events. */
  since: string;
  events: number;
  firstPosition: number;
  lastPosition: number;
}

export interface AnchorsVerdict {
  /** Lines of anchors.jsonl (0 when the bundle has none). */
  anchors: number;
  /** Whose certificate the tokens were checked against: a pinned TSA, or none (nothing of the tokens checked). */
  checkedAgainst: 'pinned-tsa' | 'not-pinned' | null;
  /** Events covered by an external anchor, in runs; empty unless the TSA was pinned. */
  anchored: AnchorCoverage[];
  /** Events no checked anchor covers. */
  unanchored: number;
  /** Witness cosignatures (kind c2sp-cosignature, ADR 0054): how many were checked against a pinned witness key, and whose were not. */
  witnesses: WitnessesVerdict;
}

const HEX64 = /^[0-9a-f]{64}$/;
/** The members of a line and of its checkpoint, exactly (B.11): an extra one would be hashed by one verifier and not another. */
const LINE_MEMBERS = 'authority,checkpoint,consistency,genTime,kind,token';
/** Standard base64 with its padding, nothing else (Node's decoder would skip a stray character; Python's strict one refuses it). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const CHECKPOINT_MEMBERS = 'issuedAt,keyId,log,rootHash,signature,treeSize';

/**
 * Checks anchors.jsonl against the bundle's tree head (every line: form, tree size, RFC 9162
 * consistency; with a pinned TSA also the RFC 3161 token and its genTime), then tells for each
 * event, in log order, since when an external anchor covers it.
 */
export class AnchorChecker {
  private readonly sizes: number[] = [];
  /** Suffix minimum of genTime: the earliest anchor time of any anchor at or after index i. */
  private since: string[] = [];
  private next = 0;
  readonly verdict: AnchorsVerdict;

  constructor(
    private readonly trusted: X509Certificate[] | undefined,
    /** Pinned witnesses (--trusted-witness, 0x04 vkeys): a cosignature counts only when by one of them. */
    private readonly witnesses: Vkey[] = [],
  ) {
    this.verdict = { anchors: 0, checkedAgainst: null, anchored: [], unanchored: 0, witnesses: { pinned: witnesses.length, checked: 0, unpinned: [] } };
  }

  async read(lines: LineReader | undefined, head: SignedTreeHead | { treeSize: number; rootHash: string }, problems: AnchorProblem[]): Promise<void> {
    if (!lines) return;
    const times: string[] = [];
    const tokens: Array<{ line: number; treeSize: number; genTime: string; check: Promise<string | null> }> = [];
    let previous = 0;
    const previousOfKind = new Map<unknown, number>();
    const ofKind = new Map<unknown, number>();
    for (let line = await lines.next(); line !== undefined; line = await lines.next()) {
      const n = lines.n;
      this.verdict.anchors = n;
      const fail = (problem: string) => problems.push({ file: ANCHORS_FILE, line: n, problem });
      if (n > 2 * MAX_BUNDLE_ANCHORS) {
        fail(`more than ${2 * MAX_BUNDLE_ANCHORS} anchors`);
        break;
      }
      let a: { authority: unknown; checkpoint: SignedTreeHead; consistency: unknown; genTime: string; kind: unknown; token: string };
      try {
        a = JSON.parse(line) as typeof a;
      } catch {
        fail('not valid JSON');
        continue;
      }
      const c = a?.checkpoint as SignedTreeHead | undefined;
      const wellFormed =
        typeof a === 'object' &&
        a !== null &&
        !Array.isArray(a) &&
        Object.keys(a).sort().join() === LINE_MEMBERS &&
        (a.kind === 'rfc3161' || a.kind === COSIGNATURE_KIND) &&
        typeof a.authority === 'string' &&
        typeof a.genTime === 'string' &&
        typeof a.token === 'string' &&
        (a.kind === COSIGNATURE_KIND || BASE64.test(a.token)) &&
        Array.isArray(a.consistency) &&
        a.consistency.every((h) => typeof h === 'string' && HEX64.test(h)) &&
        typeof c === 'object' &&
        c !== null &&
        !Array.isArray(c) &&
        Object.keys(c).sort().join() === CHECKPOINT_MEMBERS &&
        typeof c.issuedAt === 'string' &&
        typeof c.keyId === 'string' &&
        typeof c.log === 'string' &&
        typeof c.signature === 'string' &&
        typeof c.rootHash === 'string' &&
        HEX64.test(c.rootHash) &&
        Number.isSafeInteger(c.treeSize);
      if (!wellFormed) {
        fail(
          'not an anchor {authority, checkpoint {issuedAt, keyId, log, rootHash, signature, treeSize}, consistency [64 hex…], genTime, kind "rfc3161" or "c2sp-cosignature", token}',
        );
        continue;
      }
      // Whether tokens were checked: said once a well-formed RFC 3161 line is seen (a bundle of cosignatures alone has none).
      if (a.kind === 'rfc3161') this.verdict.checkedAgainst = this.trusted ? 'pinned-tsa' : 'not-pinned';
      if (canonicalJson(a) !== line) fail('not in canonical form');
      if (c.treeSize < 1 || c.treeSize > head.treeSize) {
        fail(`anchors a tree of ${c.treeSize} events: not between 1 and the bundle's ${head.treeSize}`);
        continue;
      }
      // Tree sizes never decrease; within one kind they increase (at most MAX_BUNDLE_ANCHORS of each).
      if (c.treeSize < previous || c.treeSize <= (previousOfKind.get(a.kind) ?? 0)) fail('anchors are not in increasing tree size');
      previous = c.treeSize;
      previousOfKind.set(a.kind, c.treeSize);
      ofKind.set(a.kind, (ofKind.get(a.kind) ?? 0) + 1);
      if (ofKind.get(a.kind)! > MAX_BUNDLE_ANCHORS) {
        fail(`more than ${MAX_BUNDLE_ANCHORS} anchors of kind ${a.kind as string}`);
        break;
      }
      const proof = (a.consistency as string[]).map((h) => Buffer.from(h, 'hex'));
      if (!consistent(c.treeSize, head.treeSize, Buffer.from(c.rootHash, 'hex'), Buffer.from(head.rootHash, 'hex'), proof)) {
        fail(
          `the signed tree head is not an append-only extension of the tree of ${c.treeSize} events anchored at ${a.genTime} (RFC 9162 consistency proof fails): the history was rewritten`,
        );
        continue;
      }
      if (a.kind === COSIGNATURE_KIND) {
        // ADR 0054: the note must be this line's checkpoint; counted only when a pinned witness cosigned it.
        const check = checkCosignedLine(a.token, a.authority as string, a.genTime, c, this.witnesses, this.verdict.witnesses);
        if (check !== 'unpinned') tokens.push({ line: n, treeSize: c.treeSize, genTime: a.genTime, check: Promise.resolve(check && check.problem) });
      } else if (this.trusted) {
        // Started now, awaited below: the CMS checks of all lines overlap (their crypto runs off the event loop).
        const stated = a.genTime;
        const check = verifyTimestampToken(Buffer.from(a.token, 'base64'), treeHeadBytes(c), this.trusted).then(
          (token) => (token.genTime === stated ? null : `states genTime ${stated}, the token ${token.genTime}`),
          (err: unknown) => (err instanceof TimestampError ? err.message : `the token cannot be checked: ${(err as Error).message}`),
        );
        tokens.push({ line: n, treeSize: c.treeSize, genTime: stated, check });
      }
    }
    for (const t of tokens) {
      const problem = await t.check;
      if (problem) {
        problems.push({ file: ANCHORS_FILE, line: t.line, problem });
        continue;
      }
      this.sizes.push(t.treeSize);
      times.push(t.genTime);
    }
    this.since = times.slice();
    for (let i = this.since.length - 2; i >= 0; i--) if (this.since[i + 1] < this.since[i]) this.since[i] = this.since[i + 1];
  }

  /** The next event in log order: covered by the first checked anchor whose tree holds it. */
  cover(leafIndex: number, position: number): void {
    while (this.next < this.sizes.length && this.sizes[this.next] <= leafIndex) this.next++;
    if (this.next === this.sizes.length) {
      this.verdict.unanchored++;
      return;
    }
    const since = this.since[this.next];
    const runs = this.verdict.anchored;
    const last = runs[runs.length - 1];
    if (last && last.since === since) {
      last.events++;
      last.lastPosition = position;
    } else runs.push({ since, events: 1, firstPosition: position, lastPosition: position });
  }
}

// ---------------------------------------------------------------- VERIFY.md

/** Part A of VERIFY.md: checking one anchor by hand with jq, sha256sum and openssl. */
export function anchorsByHand(): string {
  return `## 5. The history was fixed outside the hospital (when \`data/anchors.jsonl\` is present)

Each line of \`data/anchors.jsonl\` is an earlier signed tree head, time-stamped by an RFC 3161
time-stamping authority (TSA), with the proof that this bundle's tree only grew from it. For line
1 (\`sed -n 2p\` for line 2, and so on), with the TSA's certificate (or its CA's) as \`tsa.pem\`,
obtained from the TSA, not from this bundle:

    sed -n 1p data/anchors.jsonl > anchor.json
    jq -r .token anchor.json | base64 -d > token.tst
    jq -cjS '.checkpoint | del(.signature)' anchor.json | sha256sum
    openssl ts -verify -digest <that SHA-256> -in token.tst -token_in -CAfile tsa.pem
    openssl ts -reply -in token.tst -token_in -token_out -text | grep 'Time stamp'

\`openssl ts -verify\` must print \`Verification: OK\`: the TSA signed, at the time printed last, the
SHA-256 of that tree head's canonical bytes (B.7's form). Every event at a leaf index below the
anchored \`treeSize\` was then already in the log exactly as shown here, if the consistency proof
(B.11) leads from the anchored \`rootHash\` to this bundle's signed root; \`registry verify-bundle
--trusted-tsa tsa.pem\` checks that too and prints, for the events, since when they are anchored.
A history rewritten after that time fails: no tree that changes an anchored event is an
append-only extension of the anchored one.

`;
}

/** Part B of VERIFY.md: the rule for data/anchors.jsonl. */
export function anchorsRules(): string {
  return `
## B.11 External anchors (RFC 3161 and RFC 9162 §2.1.4)

\`${ANCHORS_FILE}\` is optional (at most ${MAX_BUNDLE_ANCHORS} lines). Each line is canonical JSON (B.3) with exactly
these members, and its \`checkpoint\` exactly the six shown:

    {"authority":<TSA URL, for people>,
     "checkpoint":{"issuedAt","keyId","log","rootHash","signature","treeSize"},
     "consistency":[<64 hex>…],"genTime":<ISO 8601>,"kind":"rfc3161","token":<base64>}

- \`checkpoint\` is an earlier signed tree head: \`rootHash\` 64 lower-case hex digits, \`treeSize\` an
  integer with 1 ≤ treeSize ≤ the signed treeSize of B.7, strictly increasing from line to line.
  Its \`signature\` is for people (it may be by an earlier key) and is not checked.
- **Consistency**: \`consistency\` is the RFC 9162 §2.1.4.1 proof from that tree to the signed tree
  of B.7, verified as §2.1.4.2 says (fn and sn as in B.6): fail if it is empty; if treeSize is a
  power of 2, put \`rootHash\` in front of it; fn = treeSize − 1, sn = signed treeSize − 1; while fn
  is odd, halve both; fr = sr = the first element; for each further element c: fail if sn = 0;
  if fn is odd or fn = sn, set fr = SHA-256(0x01 ‖ c ‖ fr) and sr = SHA-256(0x01 ‖ c ‖ sr), then
  while fn is even and not 0 halve both; otherwise set sr = SHA-256(0x01 ‖ sr ‖ c); then halve fn
  and sn. At the end fr must equal \`rootHash\`, sr the signed \`rootHash\`, and sn 0. When treeSize
  equals the signed treeSize, \`consistency\` is empty and both roots are equal.
- **The token** is checked only against a TSA certificate the verifier was given (pinned); then:
  \`token\` is the standard base64 (RFC 4648 §4, padded, no other character) of a DER RFC 3161 TimeStampToken (CMS SignedData over a TSTInfo) whose
  message imprint is SHA-256 over the canonical JSON of \`checkpoint\` without \`signature\` (the
  bytes B.7 describes for \`checkpoint.json\`), whose signature chains to the pinned certificate
  at the token's genTime, by a certificate with one critical extended key usage, timeStamping
  (\`openssl ts -verify -digest <hex> -in <token> -token_in -CAfile <pinned> -attime <genTime>\`
  checks exactly this); and \`genTime\` is the token's genTime, in UTC as
  \`YYYY-MM-DDTHH:MM:SS.mmmZ\` (its fraction cut to milliseconds, 000 when it has none).
- Without a pinned TSA certificate the tokens are not checked (anyone can make a TSA), the
  consistency proofs still are, and no event counts as anchored.
- **Coverage**: with a pinned TSA, an event at leaf index i is anchored since the earliest
  \`genTime\` of the checked lines whose treeSize > i; with none, it is not anchored.
  \`registry verify-bundle\` reports \`anchors.anchored\` as runs of consecutive events (log order)
  with the same time: \`{"since","events","firstPosition","lastPosition"}\`, and
  \`anchors.unanchored\`, the number of events after the last anchor.
`;
}
