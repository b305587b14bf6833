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
export const ACCESS_LOG_SUBJECTS_FILE = 'data/access-log-subjects.jsonl';
const ANCHOR_TYPE = 'identity.AccessLogAnchored';
const ANCHOR_STREAM = 'access-log-anchors';
const HEX64 = /^[0-9a-f]{64}$/;

/** An entry's leaf hash: SHA-256(0x00 ‖ the 32 bytes of its `entryHash`). */
export function accessLogLeaf(entryHash: string): Buffer {
  return leafHash(Buffer.from(entryHash, 'hex'));
}

/**
 * A data subject's key in the subject tree (ADR 0050): SHA-256 of UTF-8 "access-log-subject:" ‖
 * pseudonym. A proof shows other subjects only by this hash, never their pseudonym.
 */
export function subjectKey(dataSubject: string): Buffer {
  return createHash('sha256').update(`access-log-subject:${dataSubject}`, 'utf8').digest();
}

/** SHA-256 of the subject's seqs, ascending, each as 8 bytes big-endian: what its leaf commits to. */
export function seqsHash(seqs: readonly number[]): Buffer {
  const bytes = Buffer.alloc(seqs.length * 8);
  seqs.forEach((seq, i) => bytes.writeBigUInt64BE(BigInt(seq), i * 8));
  return createHash('sha256').update(bytes).digest();
}

/** A subject leaf's hash: SHA-256(0x00 ‖ subject key ‖ seqs hash), 64 bytes after the 0x00. */
export function subjectLeaf(key: Buffer, seqs: Buffer): Buffer {
  return leafHash(Buffer.concat([key, seqs]));
}

/**
 * The per-subject commitment under an access-log head (ADR 0050): one leaf per data subject with
 * entries in the tree, sorted by subject key, so a subject's entries are all named (membership)
 * and a subject with none is shown absent by its two neighbouring leaves.
 */
export interface SubjectTree {
  tree: PackedTree;
  /** Subject keys in leaf order, 32 bytes each. */
  keys: Buffer;
  /** Seqs hashes in leaf order, 32 bytes each. */
  seqsHashes: Buffer;
  /** Each subject's seqs, ascending. */
  seqsOf: Map<string, number[]>;
}
/** An anchored access-log head and the tree it names, ready for a bundle's proofs. */
export interface AnchoredAccessLog {
  /** Global position of the `identity.AccessLogAnchored` event. */
  position: number;
  head: AccessLogTreeHead;
  tree: PackedTree;
  /** The per-subject commitment, when the anchor records one (ADR 0050). */
  subjects?: SubjectTree;
}

// ---------------------------------------------------------------- writing

/** A line of `data/access-log-proofs.jsonl` for the entry of `seq`. */
export function accessLogProofLine(a: AnchoredAccessLog, seq: number): string {
  const leafIndex = seq - a.head.afterSeq - 1;
  return canonicalJson({ leafIndex, proof: a.tree.inclusionProofHex(leafIndex), seq, treeSize: a.head.size });
}

/**
 * A line of `data/access-log-subjects.jsonl` for a data subject of the scope (ADR 0050): its leaf
 * (its seqs) with the inclusion proof, or, when it has no entry under the head, the neighbouring
 * leaves (hashes only) with theirs.
 */
export function accessLogSubjectLine(a: AnchoredAccessLog & { subjects: SubjectTree }, dataSubject: string): string {
  const { tree, keys, seqsHashes, seqsOf } = a.subjects;
  const key = subjectKey(dataSubject);
  const at = (i: number) => keys.subarray(i * 32, (i + 1) * 32);
  // The first leaf whose key is not below this subject's.
  let lo = 0;
  let hi = tree.size;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Buffer.compare(at(mid), key) < 0) lo = mid + 1;
    else hi = mid;
  }
  const seqs = seqsOf.get(dataSubject);
  if (seqs) {
    if (lo >= tree.size || !at(lo).equals(key)) throw new Error('The subject tree does not hold a subject it was built with');
    return canonicalJson({ dataSubject, leafIndex: lo, proof: tree.inclusionProofHex(lo), seqs, treeSize: tree.size });
  }
  const neighbour = (i: number) =>
    i < 0 || i >= tree.size
      ? null
      : {
          leafIndex: i,
          proof: tree.inclusionProofHex(i),
          seqsHash: seqsHashes.subarray(i * 32, (i + 1) * 32).toString('hex'),
          subjectKey: at(i).toString('hex'),
        };
  return canonicalJson({ absent: true, dataSubject, left: neighbour(lo - 1), right: neighbour(lo), treeSize: tree.size });
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
  return createHash('sha256').update(entryHashInput(e), 'utf8').digest('hex');
}

/** The text an entry's hash is taken over: `prevHash`, LF, the members as a JSON array (B.17). */
function entryHashInput(e: Entry): string {
  const fields = [e.seq, e.entryId, e.requestId, e.at, e.actor.subject, e.actor.role, e.action, e.dataSubject, e.resource, e.ip ?? null, e.userAgent ?? null];
  return `${e.prevHash}\n${JSON.stringify(fields)}`;
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
  /**
   * Patients of the scope whose extract is proven complete against the anchor's subject tree
   * (ADR 0050): every entry about them through `throughSeq` is shown, or they have none.
   */
  completeSubjects: number;
  /** The last access-log entry the anchored head covers (later ones are not in this bundle). */
  throughSeq: number | null;
}

type AnchoredTree = { afterSeq: number; size: number; root: Buffer; position: number; subjects: { size: number; root: Buffer } | null };

/**
 * VERIFY.md B.17, one verification step: the anchor event proven in the signed tree like any
 * event (its leaf recomputed), then every extracted entry's hash recomputed and proven in the tree
 * that event names, then each patient's leaf of the subject tree (or its absence) against the
 * entries shown. Adds each file's SHA-256 to `digests` for the manifest check.
 */
export async function checkAccessLog(
  zip: BagZip,
  head: { treeSize: number; rootHash: string } | null,
  gapFree: boolean,
  patients: readonly string[] | null,
  digests: Map<string, string>,
  problems: Problem[],
): Promise<AccessLogVerdict> {
  const verdict: AccessLogVerdict = { proven: 0, anchorPosition: null, completeSubjects: 0, throughSeq: null };
  const has = (n: string) => zip.entries.has(n);
  const scoped = [...new Set(patients ?? [])];
  if (!has(ACCESS_LOG_FILE)) {
    // A scope naming patients always has their extract: dropping the whole file is a removal too (ADR 0050).
    if (scoped.length) problems.push({ file: ACCESS_LOG_FILE, problem: 'missing: the scope names patients, their access-log extract is required (B.17)' });
    for (const n of [ACCESS_LOG_PROOFS_FILE, ACCESS_LOG_ANCHOR_FILE, ACCESS_LOG_SUBJECTS_FILE])
      if (has(n)) problems.push({ file: n, problem: `present without ${ACCESS_LOG_FILE}` });
    return verdict;
  }
  const entries = zip.lines(ACCESS_LOG_FILE);
  const first = await entries.next();
  if (first === undefined && !scoped.length) {
    digests.set(ACCESS_LOG_FILE, await entries.sha256());
    return verdict;
  }
  for (const n of [ACCESS_LOG_PROOFS_FILE, ACCESS_LOG_ANCHOR_FILE])
    if (!has(n)) problems.push({ file: n, problem: `missing: the scope names patients and ${ACCESS_LOG_FILE} must be proven (B.17)` });
  if (!has(ACCESS_LOG_PROOFS_FILE) || !has(ACCESS_LOG_ANCHOR_FILE)) return verdict;

  const tree = await checkAnchor(zip.lines(ACCESS_LOG_ANCHOR_FILE), head, gapFree, digests, problems);
  verdict.anchorPosition = tree?.position ?? null;
  verdict.throughSeq = tree ? tree.afterSeq + tree.size : null;
  const proofs = zip.lines(ACCESS_LOG_PROOFS_FILE);
  const seen = new Set<number>();
  // The seqs shown per data subject, for the subject tree's check below.
  const shown = new Map<string, number[]>();
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
    const list = shown.get(e.dataSubject);
    if (list) list.push(e.seq);
    else shown.set(e.dataSubject, [e.seq]);
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
  if (tree?.subjects) verdict.completeSubjects = await checkSubjects(zip, { ...tree, subjects: tree.subjects }, scoped, shown, digests, problems);
  else if (has(ACCESS_LOG_SUBJECTS_FILE)) problems.push({ file: ACCESS_LOG_SUBJECTS_FILE, problem: 'present, but the anchor event records no subject tree' });
  return verdict;
}

/**
 * B.17, completeness (ADR 0050): line k of data/access-log-subjects.jsonl is the k-th distinct
 * patient of the scope, either its leaf in the anchored subject tree, whose seqs must be exactly
 * those of its entries shown, or its absence, shown by the two adjacent leaves around its key.
 * Returns the number of patients proven complete.
 */
async function checkSubjects(
  zip: BagZip,
  tree: AnchoredTree & { subjects: { size: number; root: Buffer } },
  scoped: string[],
  shown: Map<string, number[]>,
  digests: Map<string, string>,
  problems: Problem[],
): Promise<number> {
  const file = ACCESS_LOG_SUBJECTS_FILE;
  if (!zip.entries.has(file)) {
    problems.push({ file, problem: `missing: the anchor records a subject tree, each patient of the scope must be proven in it (B.17)` });
    return 0;
  }
  const { size, root } = tree.subjects;
  const lines = zip.lines(file);
  const proven = (leafIndex: unknown, leaf: Buffer, proof: unknown): boolean =>
    count(leafIndex) &&
    leafIndex < size &&
    Array.isArray(proof) &&
    proof.every((x) => str(x) && HEX64.test(x)) &&
    verifyInclusion(
      leafIndex,
      size,
      leaf,
      proof.map((x: string) => Buffer.from(x, 'hex')),
      root,
    );
  let complete = 0;
  for (const [k, subject] of scoped.entries()) {
    const text = await lines.next();
    const n = k + 1;
    if (text === undefined) {
      problems.push({ file, problem: `has fewer lines than the scope has patients: ${subject} is not proven complete` });
      break;
    }
    let x: Record<string, unknown>;
    try {
      x = JSON.parse(text) as Record<string, unknown>;
    } catch {
      problems.push({ file, line: n, problem: 'not JSON' });
      continue;
    }
    if (!x || typeof x !== 'object' || x.dataSubject !== subject || x.treeSize !== size) {
      problems.push({ file, line: n, problem: `not the line of the scope's patient ${subject} in the subject tree of ${size} leaves` });
      continue;
    }
    const key = subjectKey(subject);
    const mine = [...(shown.get(subject) ?? [])].sort((a, b) => a - b);
    if (x.absent === true) {
      const side = (v: unknown) => {
        const s = v as { leafIndex?: unknown; proof?: unknown; seqsHash?: unknown; subjectKey?: unknown } | null;
        if (s === null) return null;
        if (!s || typeof s !== 'object' || !str(s.subjectKey) || !HEX64.test(s.subjectKey) || !str(s.seqsHash) || !HEX64.test(s.seqsHash)) return undefined;
        const k2 = Buffer.from(s.subjectKey, 'hex');
        const ok = proven(s.leafIndex, subjectLeaf(k2, Buffer.from(s.seqsHash, 'hex')), s.proof);
        return ok ? { index: s.leafIndex as number, key: k2 } : undefined;
      };
      const left = side(x.left);
      const right = side(x.right);
      // Adjacent leaves around the key: the sorted tree has no room for it between them.
      const adjacent =
        left !== undefined &&
        right !== undefined &&
        (left !== null || right !== null) &&
        (left === null || Buffer.compare(left.key, key) < 0) &&
        (right === null || Buffer.compare(right.key, key) > 0) &&
        (left === null ? right!.index === 0 : right === null ? left.index === size - 1 : right.index === left.index + 1);
      if (!adjacent) {
        problems.push({ file, line: n, problem: `the absence of ${subject} from the subject tree is not proven (two adjacent leaves around its key)` });
        continue;
      }
      if (mine.length) {
        problems.push({ file, line: n, problem: `${subject} has no entry under the anchored head, yet the extract shows ${mine.length}` });
        continue;
      }
      complete++;
      continue;
    }
    const seqs = x.seqs;
    if (
      !Array.isArray(seqs) ||
      !seqs.length ||
      !seqs.every((s, i) => count(s) && s > tree.afterSeq && s <= tree.afterSeq + tree.size && (i === 0 || s > (seqs[i - 1] as number)))
    ) {
      problems.push({
        file,
        line: n,
        problem: `seqs of ${subject}: not ascending entry numbers of the anchored tree (#${tree.afterSeq + 1}–#${tree.afterSeq + tree.size})`,
      });
      continue;
    }
    if (!proven(x.leafIndex, subjectLeaf(key, seqsHash(seqs as number[])), x.proof)) {
      problems.push({ file, line: n, problem: `the leaf of ${subject} (its seqs) is not proven to be in the anchored subject tree` });
      continue;
    }
    const showing = new Set(mine);
    const left = (seqs as number[]).filter((s) => !showing.has(s));
    const extra = mine.filter((s) => !(seqs as number[]).includes(s));
    if (left.length || extra.length) {
      problems.push({
        file: ACCESS_LOG_FILE,
        problem: `the extract of ${subject} is not complete: ${left.length ? `entries #${left.join(', #')} left out` : ''}${left.length && extra.length ? '; ' : ''}${extra.length ? `entries #${extra.join(', #')} not in its anchored list` : ''}`,
      });
      continue;
    }
    complete++;
  }
  if ((await lines.next()) !== undefined) problems.push({ file, problem: 'has more lines than the scope has patients' });
  digests.set(file, await lines.sha256());
  return complete;
}

/** The anchor event and its proof in the signed tree (B.4–B.6 as for events.jsonl); the tree head it names. */
async function checkAnchor(
  lines: LineReader,
  head: { treeSize: number; rootHash: string } | null,
  gapFree: boolean,
  digests: Map<string, string>,
  problems: Problem[],
): Promise<AnchoredTree | null> {
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
  const data = ev?.data as
    { seq?: unknown; tree?: { afterSeq?: unknown; size?: unknown; rootHash?: unknown; subjects?: { size?: unknown; rootHash?: unknown } } } | undefined;
  const t = data?.tree;
  const sub = t?.subjects;
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
    data.seq !== t.afterSeq + t.size ||
    (sub !== undefined && (!sub || typeof sub !== 'object' || !count(sub.size) || sub.size < 1 || !str(sub.rootHash) || !HEX64.test(sub.rootHash)))
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
  const subjects = sub ? { size: sub.size as number, root: Buffer.from(sub.rootHash as string, 'hex') } : null;
  return { afterSeq: t.afterSeq, size: t.size, root: Buffer.from(t.rootHash, 'hex'), position, subjects };
}

export const RESTS_ON_HOSPITAL_ACCESS_LOG =
  'that the access-log extract lists every access to the patients in scope: each entry shown is proven to be in the access log as anchored in the ledger, but an entry left out cannot be seen from the bundle (docs/evidence.md)';

/**
 * What the extract still rests on: with every patient proven complete (ADR 0050) only that the
 * anchor shown is the export's, the newest (an older anchor of the ledger would hide later entries);
 * otherwise that nothing was left out.
 */
export function accessLogClaim(v: AccessLogVerdict, patients: readonly string[]): string {
  const all = new Set(patients).size;
  if (all > 0 && v.completeSubjects === all && v.throughSeq !== null)
    return `that no access to the patients in scope after entry #${v.throughSeq} is left out: the extract is proven complete through that entry, the head anchored at position ${v.anchorPosition}; that this anchor is the newest before the export rests on the hospital (docs/evidence.md)`;
  return RESTS_ON_HOSPITAL_ACCESS_LOG;
}

// ---------------------------------------------------------------- VERIFY.md

/** The first extracted entry, its proof line and the anchor's tree head: B.17's worked example. */
export interface AccessLogExample {
  entryLine: string;
  proofLine: string;
  rootHash: string;
  anchorPosition: number;
  /** That entry's patient's line of data/access-log-subjects.jsonl, and the subject tree's root (ADR 0050). */
  subjectLine?: string;
  subjectsRootHash?: string;
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

**Completeness: the subject tree** (ADR 0050). The anchor's \`data.tree\` may also hold
\`"subjects": {"rootHash","size"}\` (size ≥ 1, \`rootHash\` 64 lower-case hex digits): the root of a
second RFC 9162 tree, built when the head was anchored over the same entries (afterSeq + 1 …
afterSeq + size), with **one leaf per data subject** that has at least one of them:

    subjectKey = SHA-256( UTF-8( "access-log-subject:" + dataSubject ) )
    seqsHash   = SHA-256( seq_1 ‖ seq_2 ‖ … ‖ seq_k )   each seq as 8 bytes, unsigned big-endian,
                                                       the subject's entries' seqs, ascending
    leaf hash  = SHA-256( 0x00 ‖ subjectKey ‖ seqsHash ) (the 64 bytes the hex stands for)

The leaves are sorted by \`subjectKey\` (as bytes, which is the order of its lower-case hex), each
subject once. Another subject appears in a proof only as these two hashes, never by its
pseudonym. When the anchor event has \`subjects\`, \`${ACCESS_LOG_SUBJECTS_FILE}\` is required: one line
per distinct pseudonym of the scope's \`patientPseudonyms\`, in that order (the first occurrence of
each), canonical JSON (B.3), either

- **present**: \`{"dataSubject","leafIndex","proof","seqs","treeSize"}\`: \`seqs\` the subject's
  entry numbers, strictly ascending, each in afterSeq + 1 … afterSeq + size, at least one; fail
  unless the proof (B.6, this tree's \`size\` and \`rootHash\`) brings SHA-256(0x00 ‖ subjectKey ‖
  seqsHash(seqs)) to the subject tree's root, **and** the entries of \`${ACCESS_LOG_FILE}\` whose
  \`dataSubject\` is this one have exactly these \`seq\`s (one missing: the extract left it out);
- **absent**: \`{"absent":true,"dataSubject","left","right","treeSize"}\`: \`left\` and \`right\` are each
  \`null\` or \`{"leafIndex","proof","seqsHash","subjectKey"}\` of a leaf of the subject tree (hex);
  fail unless each non-null one is proven (its leaf hash from its two hashes, as above), not both
  are null, \`left.subjectKey\` < this subject's key < \`right.subjectKey\`, and the two are adjacent:
  \`right.leafIndex\` = \`left.leafIndex\` + 1, or \`right.leafIndex\` = 0 when \`left\` is null, or
  \`left.leafIndex\` = size − 1 when \`right\` is null; and the extract has no entry of this subject.

\`treeSize\` is the subject tree's \`size\` on every line; the file has exactly as many lines as the
scope has distinct pseudonyms. When the scope names patients, \`${ACCESS_LOG_FILE}\`, the proofs and the
anchor are required even when the extract has no line (the absence is then what is proven). An
anchor without \`subjects\` (recorded before ADR 0050) proves each entry but not completeness; the
file must then be absent.

What this proves: every entry shown was in the registry's access log, unchanged and at its \`seq\`,
when the anchored head was recorded in the ledger; and, with the subject tree, that the extract
shows **every** entry about each patient of the scope up to \`data.seq\` (or that there was none).
What it does not: entries recorded after the anchored head (they wait for the next bundle), and
that the anchor shown is the newest the registry recorded before the export. An auditor with the
access log can rebuild both trees of the anchor and check them.
${example ? accessLogExample(example) : ''}`;
}

function accessLogExample(ex: AccessLogExample): string {
  const e = JSON.parse(ex.entryLine) as Entry;
  const p = JSON.parse(ex.proofLine) as { leafIndex: number; treeSize: number; proof: string[] };
  const hashed = entryHashInput(e);
  const fields = hashed.slice(hashed.indexOf('\n') + 1);
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

SHA-256 of those UTF-8 bytes: \`${entryHashOf(e)}\` (its \`entryHash\`). Leaf hash
(0x00, then those 32 bytes): \`${leaf}\`. Line 1 of \`${ACCESS_LOG_PROOFS_FILE}\`: leaf index ${p.leafIndex}, tree size ${p.treeSize},
${p.proof.length} proof hashes, folded as in B.6:

| step | proof hash | side | r after the step |
|---|---|---|---|
${steps.join('\n')}

The last r is the \`rootHash\` of \`data.tree\` in the anchor event at position ${ex.anchorPosition}: \`${ex.rootHash}\`.
${ex.subjectLine && ex.subjectsRootHash ? subjectExample(ex.subjectLine, ex.subjectsRootHash) : ''}`;
}

function subjectExample(line: string, root: string): string {
  const x = JSON.parse(line) as { dataSubject: string; seqs: number[]; leafIndex: number; proof: string[]; treeSize: number };
  const key = subjectKey(x.dataSubject);
  const seqs = seqsHash(x.seqs);
  const bytes = Buffer.alloc(x.seqs.length * 8);
  x.seqs.forEach((s, i) => bytes.writeBigUInt64BE(BigInt(s), i * 8));
  return `
Its patient's line of \`${ACCESS_LOG_SUBJECTS_FILE}\`:

    ${line}

subjectKey = SHA-256 of the UTF-8 bytes of \`access-log-subject:${x.dataSubject}\`: \`${key.toString('hex')}\`. The ${x.seqs.length}
seqs as 8-byte big-endian integers (hex): \`${bytes.toString('hex')}\`; their SHA-256, seqsHash: \`${seqs.toString('hex')}\`.
Leaf hash (0x00, subjectKey, seqsHash): \`${subjectLeaf(key, seqs).toString('hex')}\`, at leaf index ${x.leafIndex} of ${x.treeSize}; its
${x.proof.length} proof hashes, folded as in B.6, give the subject tree's \`rootHash\` \`${root}\`. The extract's
entries of this patient are exactly #${x.seqs.join(', #')}.
`;
}
