import { createHash } from 'node:crypto';
import type { EventEnvelope } from '@app/event-store';
import type { AccessLogTreeHead } from '@app/identity';
import { canonicalJson } from '../ledger/canonical-json';
import { leafHash, nodeHash, verifyInclusion } from '../ledger/merkle';
import type { PackedTree } from '../ledger/packed-tree';
import { leafFormatOf } from '../ledger/leaf';
import type { BagZip, LineReader } from './bag-zip';
import { formatTwoLeaf, formatTwoLineText, isFormatTwoLine } from './field-redaction';

/**
 * The access-log extract made verifiable (issue 22, build 10; ADR 0047): a Merkle tree over the
 * access-log entries (RFC 9162, the ledger's hashing and proofs), its head recorded in the
 * ledger-sealed event log by `identity.AccessLogAnchored`, and in a bundle each extracted entry
 * with its inclusion proof against that head, the anchor event proven like any event. Writer,
 * verifier and the VERIFY.md section are together here so the rule is stated once; the anchoring
 * service (Nest, the access log) is in access-log-heads.ts, so that the offline verifier loads
 * neither (verify.ts, ADR 0049).
 */
export const ACCESS_LOG_FILE = 'data/access-log.jsonl';
export const ACCESS_LOG_PROOFS_FILE = 'data/access-log-proofs.jsonl';
export const ACCESS_LOG_ANCHOR_FILE = 'data/access-log-anchor.jsonl';
const ANCHOR_TYPE = 'identity.AccessLogAnchored';
const ANCHOR_STREAM = 'access-log-anchors';
const HEX64 = /^[0-9a-f]{64}$/;

/** An entry's leaf hash: SHA-256(0x00 ‖ the 32 bytes of its `entryHash`). */
export function accessLogLeaf(entryHash: string): Buffer {
  return leafHash(Buffer.from(entryHash, 'hex'));
}

/** An anchored access-log head and the tree it names, ready for a bundle's proofs. */
export interface AnchoredAccessLog {
  /** Global position of the `identity.AccessLogAnchored` event. */
  position: number;
  head: AccessLogTreeHead;
  tree: PackedTree;
}

// ---------------------------------------------------------------- writing

/** A line of `data/access-log-proofs.jsonl` for the entry of `seq`. */
export function accessLogProofLine(a: AnchoredAccessLog, seq: number): string {
  const leafIndex = seq - a.head.afterSeq - 1;
  return canonicalJson({ leafIndex, proof: a.tree.inclusionProofHex(leafIndex), seq, treeSize: a.head.size });
}

/**
 * `data/access-log-anchor.jsonl`: the anchor event written as a line of events.jsonl, then its
 * line as in proofs.jsonl (leaf in the signed tree of the bundle).
 */
export function accessLogAnchorText(stored: EventEnvelope, ledger: { tree: PackedTree; positions: Float64Array; treeSize: number }): string {
  const line = leafFormatOf(stored) === 2 ? formatTwoLineText(stored) : canonicalJson(stored);
  const leafIndex = indexOf(ledger.positions, stored.globalPosition);
  if (leafIndex < 0) throw new Error(`The access-log anchor at position ${stored.globalPosition} is not sealed in the ledger`);
  const proof = canonicalJson({
    leafHash: ledger.tree.leafHex(leafIndex),
    leafIndex,
    position: stored.globalPosition,
    proof: ledger.tree.inclusionProofHex(leafIndex),
    redacted: false,
    treeSize: ledger.treeSize,
  });
  return `${line}\n${proof}\n`;
}

function indexOf(positions: Float64Array, position: number): number {
  let lo = 0;
  let hi = positions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (positions[mid] === position) return mid;
    if (positions[mid] < position) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

// ---------------------------------------------------------------- verifying

interface Problem {
  file?: string;
  line?: number;
  position?: number;
  problem: string;
}

interface Entry {
  seq: number;
  entryId: string;
  requestId: string;
  at: string;
  actor: { subject: string; role: string };
  action: string;
  dataSubject: string;
  resource: string;
  ip?: string | null;
  userAgent?: string | null;
  prevHash: string;
  entryHash: string;
}

const str = (v: unknown): v is string => typeof v === 'string';
const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** VERIFY.md B.17: an entry's hash from its members (the registry's access-log chain, ADR 0010). */
export function entryHashOf(e: Entry): string {
  const fields = [e.seq, e.entryId, e.requestId, e.at, e.actor.subject, e.actor.role, e.action, e.dataSubject, e.resource, e.ip ?? null, e.userAgent ?? null];
  return createHash('sha256')
    .update(`${e.prevHash}\n${JSON.stringify(fields)}`, 'utf8')
    .digest('hex');
}

function isEntry(e: unknown): e is Entry {
  if (!e || typeof e !== 'object' || Array.isArray(e)) return false;
  const x = e as Record<string, unknown>;
  const actor = x.actor as Record<string, unknown> | null;
  const optional = (v: unknown) => v === undefined || v === null || str(v);
  return (
    count(x.seq) &&
    x.seq >= 1 &&
    [x.entryId, x.requestId, x.at, x.action, x.dataSubject, x.resource].every(str) &&
    !!actor &&
    typeof actor === 'object' &&
    str(actor.subject) &&
    str(actor.role) &&
    optional(x.ip) &&
    optional(x.userAgent) &&
    str(x.prevHash) &&
    HEX64.test(x.prevHash) &&
    str(x.entryHash) &&
    HEX64.test(x.entryHash)
  );
}

/** What the verdict says of the extract. */
export interface AccessLogVerdict {
  /** Entries of data/access-log.jsonl proven to be in the anchored access-log tree. */
  proven: number;
  /** The anchor event's global position, when the extract has one. */
  anchorPosition: number | null;
}

/**
 * VERIFY.md B.17, one verification step: the anchor event proven in the signed tree like any
 * event (its leaf recomputed), then every extracted entry's hash recomputed and proven in the tree
 * that event names. Adds each file's SHA-256 to `digests` for the manifest check.
 */
export async function checkAccessLog(
  zip: BagZip,
  head: { treeSize: number; rootHash: string } | null,
  gapFree: boolean,
  patients: readonly string[] | null,
  digests: Map<string, string>,
  problems: Problem[],
): Promise<AccessLogVerdict> {
  const verdict: AccessLogVerdict = { proven: 0, anchorPosition: null };
  const has = (n: string) => zip.entries.has(n);
  if (!has(ACCESS_LOG_FILE)) {
    for (const n of [ACCESS_LOG_PROOFS_FILE, ACCESS_LOG_ANCHOR_FILE]) if (has(n)) problems.push({ file: n, problem: `present without ${ACCESS_LOG_FILE}` });
    return verdict;
  }
  const entries = zip.lines(ACCESS_LOG_FILE);
  const first = await entries.next();
  if (first === undefined) {
    digests.set(ACCESS_LOG_FILE, await entries.sha256());
    return verdict;
  }
  for (const n of [ACCESS_LOG_PROOFS_FILE, ACCESS_LOG_ANCHOR_FILE])
    if (!has(n)) problems.push({ file: n, problem: `missing: ${ACCESS_LOG_FILE} has entries, each must be proven (B.17)` });
  if (!has(ACCESS_LOG_PROOFS_FILE) || !has(ACCESS_LOG_ANCHOR_FILE)) return verdict;

  const tree = await checkAnchor(zip.lines(ACCESS_LOG_ANCHOR_FILE), head, gapFree, digests, problems);
  verdict.anchorPosition = tree?.position ?? null;
  const proofs = zip.lines(ACCESS_LOG_PROOFS_FILE);
  const seen = new Set<number>();
  const file = ACCESS_LOG_FILE;
  let line: string | undefined = first;
  for (; line !== undefined; line = await entries.next()) {
    const n = entries.n;
    const proofText = await proofs.next();
    if (proofText === undefined) {
      problems.push({ file: ACCESS_LOG_PROOFS_FILE, problem: `has fewer lines than ${file}` });
      break;
    }
    let e: unknown;
    let p: { leafIndex?: unknown; proof?: unknown; seq?: unknown; treeSize?: unknown };
    try {
      e = JSON.parse(line);
      p = JSON.parse(proofText) as typeof p;
    } catch {
      problems.push({ file, line: n, problem: `not JSON, or its line of ${ACCESS_LOG_PROOFS_FILE} is not` });
      continue;
    }
    if (!isEntry(e)) {
      problems.push({
        file,
        line: n,
        problem: 'not an access-log entry (B.17: seq, entryId, requestId, at, actor, action, dataSubject, resource, prevHash, entryHash)',
      });
      continue;
    }
    if (seen.has(e.seq)) problems.push({ file, line: n, problem: `entry #${e.seq} is listed twice` });
    seen.add(e.seq);
    if (patients && !patients.includes(e.dataSubject)) problems.push({ file, line: n, problem: `entry #${e.seq} is about a data subject outside the scope` });
    if (entryHashOf(e) !== e.entryHash) {
      problems.push({ file, line: n, problem: `entry #${e.seq} was changed: its members do not hash to its entryHash` });
      continue;
    }
    if (!tree) continue;
    const proof = p?.proof;
    if (p?.seq !== e.seq || p.treeSize !== tree.size || !Array.isArray(proof) || !proof.every((x) => str(x) && HEX64.test(x))) {
      problems.push({ file: ACCESS_LOG_PROOFS_FILE, line: n, problem: `not the proof of entry #${e.seq} in the anchored tree of ${tree.size} entries` });
      continue;
    }
    // The leaf index is the seq's place in the anchored tree: an entry moved to another index fails.
    if (p.leafIndex !== e.seq - tree.afterSeq - 1) {
      problems.push({
        file: ACCESS_LOG_PROOFS_FILE,
        line: n,
        problem: `entry #${e.seq} is at leaf index ${String(p.leafIndex)}, not ${e.seq - tree.afterSeq - 1}`,
      });
      continue;
    }
    if (
      !verifyInclusion(
        p.leafIndex,
        tree.size,
        accessLogLeaf(e.entryHash),
        proof.map((x: string) => Buffer.from(x, 'hex')),
        tree.root,
      )
    ) {
      problems.push({ file, line: n, problem: `entry #${e.seq} is not proven to be in the access-log tree anchored at position ${tree.position}` });
      continue;
    }
    verdict.proven++;
  }
  if ((await proofs.next()) !== undefined) problems.push({ file: ACCESS_LOG_PROOFS_FILE, problem: `has more lines than ${file}` });
  digests.set(ACCESS_LOG_FILE, await entries.sha256());
  digests.set(ACCESS_LOG_PROOFS_FILE, await proofs.sha256());
  return verdict;
}

/** The anchor event and its proof in the signed tree (B.4–B.6 as for events.jsonl); the tree head it names. */
async function checkAnchor(
  lines: LineReader,
  head: { treeSize: number; rootHash: string } | null,
  gapFree: boolean,
  digests: Map<string, string>,
  problems: Problem[],
): Promise<{ afterSeq: number; size: number; root: Buffer; position: number } | null> {
  const file = ACCESS_LOG_ANCHOR_FILE;
  const eventLine = await lines.next();
  const proofLine = await lines.next();
  const extra = await lines.next();
  digests.set(file, await lines.sha256());
  if (eventLine === undefined || proofLine === undefined || extra !== undefined) {
    problems.push({ file, problem: 'must hold exactly two lines: the anchor event and its proof' });
    return null;
  }
  let ev: Record<string, unknown>;
  let p: Record<string, unknown>;
  try {
    ev = JSON.parse(eventLine) as Record<string, unknown>;
    p = JSON.parse(proofLine) as Record<string, unknown>;
  } catch {
    problems.push({ file, problem: 'not JSON' });
    return null;
  }
  const data = ev?.data as { seq?: unknown; tree?: { afterSeq?: unknown; size?: unknown; rootHash?: unknown } } | undefined;
  const t = data?.tree;
  if (
    ev?.type !== ANCHOR_TYPE ||
    ev.streamId !== ANCHOR_STREAM ||
    !count(ev.globalPosition) ||
    !t ||
    !count(t.afterSeq) ||
    !count(t.size) ||
    t.size < 1 ||
    !str(t.rootHash) ||
    !HEX64.test(t.rootHash) ||
    data.seq !== t.afterSeq + t.size
  ) {
    problems.push({
      file,
      line: 1,
      problem: `not an ${ANCHOR_TYPE} event of stream ${ANCHOR_STREAM} naming a tree {afterSeq, size ≥ 1, rootHash} whose last entry is its seq`,
    });
    return null;
  }
  const position = ev.globalPosition;
  // The leaf recomputed exactly as for a line of events.jsonl (B.4, B.4a); nothing in it may be redacted.
  let leafText: string;
  if (isFormatTwoLine(ev)) {
    const two = formatTwoLeaf(ev);
    if (two.line !== eventLine || two.problems.length || two.redacted.length || ev.leafFormat !== 2) {
      problems.push({ file, line: 1, position, problem: 'the anchor event is not a canonical leaf-format-2 line with every member opened' });
      return null;
    }
    leafText = two.leaf;
  } else {
    if (canonicalJson(ev) !== eventLine) {
      problems.push({ file, line: 1, position, problem: 'not in canonical form' });
      return null;
    }
    const { globalPosition: _p, ...leaf } = ev;
    leafText = canonicalJson(leaf);
  }
  const leaf = leafHash(leafText);
  const proof = p.proof;
  const proven =
    head !== null &&
    p.position === position &&
    p.leafHash === leaf.toString('hex') &&
    p.treeSize === head.treeSize &&
    count(p.leafIndex) &&
    (!gapFree || p.leafIndex === position - 1) &&
    Array.isArray(proof) &&
    proof.every((x) => str(x) && HEX64.test(x)) &&
    verifyInclusion(
      p.leafIndex,
      head.treeSize,
      leaf,
      proof.map((x: string) => Buffer.from(x, 'hex')),
      Buffer.from(head.rootHash, 'hex'),
    );
  if (!proven) {
    problems.push({ file, line: 2, position, problem: `the access-log anchor at position ${position} is not proven to be in the signed tree` });
    return null;
  }
  return { afterSeq: t.afterSeq, size: t.size, root: Buffer.from(t.rootHash, 'hex'), position };
}

export const RESTS_ON_HOSPITAL_ACCESS_LOG =
  'that the access-log extract lists every access to the patients in scope: each entry shown is proven to be in the access log as anchored in the ledger, but an entry left out cannot be seen from the bundle (docs/evidence.md)';

// ---------------------------------------------------------------- VERIFY.md

/** The first extracted entry, its proof line and the anchor's tree head: B.17's worked example. */
export interface AccessLogExample {
  entryLine: string;
  proofLine: string;
  rootHash: string;
  anchorPosition: number;
}

/** B.17: the access-log extract, its proofs and the anchor; with this bundle's first entry worked through. */
export function accessLogRules(example?: AccessLogExample): string {
  return `
## B.17 Who read the data: the access-log extract and its proofs (ADR 0047)

\`${ACCESS_LOG_FILE}\` (present when patients are in scope) lists the recorded reads, exports and
downloads of those patients' data (NEN 7513): who, in which role, when, what, from where. One JSON
object per line, the entries of each patient in turn, in the order of the scope's
\`patientPseudonyms\` and then of \`seq\`: \`seq\`, \`entryId\`, \`requestId\`, \`at\`, \`actor\`
(\`subject\`, \`role\`), \`action\`, \`dataSubject\`, \`resource\`, \`ip\`, \`userAgent\`, \`prevHash\`,
\`entryHash\` (\`ip\` and \`userAgent\` may be absent).

**Entry hash.** The registry's access log is a hash chain over **all** patients' entries:
\`prevHash\` is the \`entryHash\` of the entry with the previous \`seq\` (64 zeros for \`seq\` 1), and

    entryHash = SHA-256( UTF-8( prevHash + LF + JSON.stringify([seq, entryId, requestId, at,
                  actor.subject, actor.role, action, dataSubject, resource, ip, userAgent]) ) )

in lower-case hex, where \`JSON.stringify\` writes the array as ECMAScript does (no whitespace,
strings as in B.3, \`seq\` in decimal) and a missing \`ip\` or \`userAgent\` is \`null\`. An extract
has gaps (the entries between belong to other patients), so the chain cannot be followed through
it; the tree below proves each entry instead.

**The access-log tree.** An RFC 9162 Merkle tree (B.4's hashing: node = SHA-256(0x01 ‖ left ‖
right), split at the largest power of two) over the entries of \`seq\` afterSeq + 1 … afterSeq +
size, in \`seq\` order. **Leaf index = seq − afterSeq − 1**; **leaf hash = SHA-256(0x00 ‖ the 32
bytes of \`entryHash\`)** (the bytes the hex stands for, not its text). afterSeq is the last entry
purged when the head was anchored (0 before any purge): a purge removes the oldest entries and the
tree restarts after them.

**The anchor.** \`${ACCESS_LOG_ANCHOR_FILE}\` holds exactly two lines: an event of \`events.jsonl\`'s
form (B.3–B.4a) with \`type\` \`${ANCHOR_TYPE}\` and \`streamId\` \`${ANCHOR_STREAM}\`, whose \`data.tree\` is
\`{"afterSeq","rootHash","size"}\` (integers, size ≥ 1, \`rootHash\` 64 lower-case hex digits) and
whose \`data.seq\` = afterSeq + size; then its proof line in \`proofs.jsonl\`'s form (B.4). Check it
exactly as an event of \`events.jsonl\`: the line canonical, its leaf recomputed (no member may be
redacted), \`position\` its \`globalPosition\`, \`leafHash\` the recomputed one, \`treeSize\` the signed
one, leaf index = position − 1 on a gap-free log (B.5), and the inclusion proof (B.6) leading to
the signed \`rootHash\` of \`data/checkpoint.json\`. So the access-log tree head is in the ledger
under the signed tree head, and the registry wrote it before this bundle's tree head was signed
(the export anchors the current head first).

**The proofs.** \`${ACCESS_LOG_PROOFS_FILE}\` has, line n for line n of \`${ACCESS_LOG_FILE}\` (the
same number of lines), \`{"leafIndex","proof","seq","treeSize"}\`: \`seq\` the entry's, \`treeSize\` the
anchor's \`size\`, \`leafIndex\` = seq − afterSeq − 1, \`proof\` the sibling hashes (64 lower-case hex
digits each), leaf to root. For each entry: fail unless its members hash to its \`entryHash\` (above),
its \`dataSubject\` is one of the scope's \`patientPseudonyms\`, its \`seq\` appears once in the file, and
the proof, folded as in B.6 from its leaf hash with that leaf index and tree size, gives the
anchor's \`rootHash\`. When \`${ACCESS_LOG_FILE}\` has a line, both other files are required; when it
has none, they are not.

What this proves: every entry shown was in the registry's access log, unchanged and at its \`seq\`,
when the anchored head was recorded in the ledger. What it does not: that the extract lists
**every** entry about these patients; an entry left out leaves no trace in the proofs of the others
(that the list is complete is the registry's signed statement, B.14). An auditor with the access log
can rebuild the tree of the anchor and check it.
${example ? accessLogExample(example) : ''}`;
}

function accessLogExample(ex: AccessLogExample): string {
  const e = JSON.parse(ex.entryLine) as Entry;
  const p = JSON.parse(ex.proofLine) as { leafIndex: number; treeSize: number; proof: string[] };
  const fields = JSON.stringify([
    e.seq,
    e.entryId,
    e.requestId,
    e.at,
    e.actor.subject,
    e.actor.role,
    e.action,
    e.dataSubject,
    e.resource,
    e.ip ?? null,
    e.userAgent ?? null,
  ]);
  let r = accessLogLeaf(e.entryHash);
  const leaf = r.toString('hex');
  let fn = p.leafIndex;
  let sn = p.treeSize - 1;
  const steps = p.proof.map((hex, i) => {
    const h = Buffer.from(hex, 'hex');
    const left = fn % 2 === 1 || fn === sn;
    r = left ? nodeHash(h, r) : nodeHash(r, h);
    if (left) while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
    return `| ${i + 1} | \`${hex}\` | ${left ? 'left' : 'right'} | \`${r.toString('hex')}\` |`;
  });
  return `
### Worked example: the first entry of this extract

Line 1 of \`${ACCESS_LOG_FILE}\`:

    ${ex.entryLine}

The text hashed for its entry hash is \`prevHash\`, LF, then:

    ${fields}

SHA-256 of those UTF-8 bytes: \`${createHash('sha256').update(`${e.prevHash}\n${fields}`, 'utf8').digest('hex')}\` (its \`entryHash\`). Leaf hash
(0x00, then those 32 bytes): \`${leaf}\`. Line 1 of \`${ACCESS_LOG_PROOFS_FILE}\`: leaf index ${p.leafIndex}, tree size ${p.treeSize},
${p.proof.length} proof hashes, folded as in B.6:

| step | proof hash | side | r after the step |
|---|---|---|---|
${steps.join('\n')}

The last r is the \`rootHash\` of \`data.tree\` in the anchor event at position ${ex.anchorPosition}: \`${ex.rootHash}\`.
`;
}
