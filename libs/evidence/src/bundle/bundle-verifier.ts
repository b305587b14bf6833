import { createHash, createPublicKey, type KeyObject, verify as verifySignature, type X509Certificate } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { EventEnvelope } from '@app/event-store';
import { ed25519Thumbprint } from '@app/identity/tokens';
import { canonicalJson } from '../ledger/canonical-json';
import { eventLeaf } from './event-leaf';
import { EventLeaves, type EventLeafThread } from './event-leaves';
import { AnchorChecker, ANCHORS_FILE, type AnchorsVerdict } from './anchors';
import type { Vkey } from '../anchor/signed-note';
import { ACCESS_LOG_FILE, accessLogClaim, checkAccessLog, type AccessLogVerdict } from './access-log-proofs';
import { BagZip, BundleRefused, isPayloadPath, type LineReader, TAG_FILES } from './bag-zip';
import { BUNDLE_STATEMENT, BUNDLE_STATEMENT_SIG, type BundleStatement, checkBundleStatement } from './bundle-statement';
import { InclusionVerifier } from '../ledger/merkle';
import { COVERAGE_FILE, CoverageDeriver } from './coverage';
import { BundleDocuments, DOCUMENTS_DIR } from './documents';
import { checkComplianceFile, claimedComplianceFile, COMPLIANCE_FILE_JSON } from './compliance-file';
import { ProvenTexts, type TextCounts } from './proven-texts';
import { isWithheld } from './redaction';
import { WithheldEvents } from './withheld-events';
import { LEAF_FORMAT_2 } from '../ledger/field-commitments';
import { type BundleScope, businessTime, includedAlways, inPeriod, type ScopedStream, scopeKeysOfStreamId, scopeMatcher } from './scope';

export interface BundleProblem {
  file?: string;
  line?: number;
  position?: number;
  problem: string;
}

export interface BundleVerification {
  ok: boolean;
  events: number;
  treeSize: number | null;
  rootHash: string | null;
  keyId: string | null;
  redacted: number;
  /** Members of leaf-format-2 events shown redacted (ADR 0039): their leaves recomputed all the same. */
  redactedFields: number;
  /** How the encrypted texts were shown: proven against their commitments, not provable, withheld (VERIFY.md B.12). */
  texts: TextCounts;
  /** Which key the tree-head signature was checked with: one the reader pinned, or only the bundle's own. */
  signedBy: 'pinned-key' | 'bundled-key' | null;
  /** External anchors (data/anchors.jsonl) and, per run of events, since when one covers them. */
  anchors: AnchorsVerdict;
  /** The access-log extract (VERIFY.md B.17): entries proven in the anchored access-log tree. */
  accessLog: AccessLogVerdict;
  /** What a passing verdict still rests on the hospital alone for (RESTS_ON_HOSPITAL), said plainly. */
  restsOnHospital: string[];
  problems: BundleProblem[];
}

/**
 * A BagIt manifest: `<64 hex> <name>` per line (one or two spaces, sha256sum's `*` allowed).
 * Any other line, a name twice, or a name outside the rules is a problem: what a manifest lists
 * is exactly what the bag may hold.
 */
function parseManifest(file: string, text: string, validName: (name: string) => boolean, problems: BundleProblem[]): Map<string, string> {
  const m = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') return;
    const match = /^([0-9a-f]{64}) {1,2}\*?(.+)$/.exec(line);
    if (!match) problems.push({ file, line: i + 1, problem: 'not a manifest line (<SHA-256 in lower-case hex> <file name>)' });
    else if (!validName(match[2])) problems.push({ file, line: i + 1, problem: `lists ${JSON.stringify(match[2])}, which a bag may not hold` });
    else if (m.has(match[2])) problems.push({ file, line: i + 1, problem: `lists ${match[2]} twice` });
    else m.set(match[2], match[1]);
  });
  return m;
}

/** `Label: value` lines of bag-info.txt (the first of a label). */
function bagInfoValue(text: string, label: string): string | undefined {
  return new RegExp(`^${label}: (.*)$`, 'm').exec(text)?.[1]?.replace(/\r$/, '');
}

/** What the verifier saw of one stream in events.jsonl. */
interface SeenStream {
  next: number;
  /** The business time of its first line; null when that line is withheld (B.8). */
  firstAt: string | null;
  /**
   * Scope keys named by its events (or its id), recomputed here: a list shared by every stream that
   * names the same keys (KeyLists), not a Set per stream (73,000 streams in a 100,000-event bundle, ADR 0049).
   */
  matched: readonly string[];
  /** One of its events has its business time in the period of the scope. */
  inPeriod: boolean;
  redacted: boolean;
  gap: boolean;
}

/** Equal key lists held once; a stream's list is replaced, never changed, when one of its events names another key. */
class KeyLists {
  private readonly lists = new Map<string, readonly string[]>();

  of(keys: readonly string[]): readonly string[] {
    const id = keys.join('\n');
    let list = this.lists.get(id);
    if (!list) this.lists.set(id, (list = [...keys]));
    return list;
  }

  with(list: readonly string[], key: string): readonly string[] {
    return list.includes(key) ? list : this.of([...list, key]);
  }
}

interface Completeness {
  treeSize: number;
  scope: BundleScope;
  streams: ScopedStream[];
}

function parseCompleteness(text: string, problems: BundleProblem[]): Completeness | null {
  const file = 'data/completeness.json';
  try {
    const c = JSON.parse(text) as Completeness;
    const scope = c.scope;
    const list = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
    if (!scope || !list(scope.patientPseudonyms) || !list(scope.aiSystemIds) || !list(scope.incidentIds) || !Array.isArray(c.streams)) {
      problems.push({ file, problem: 'does not state the scope and the streams in it' });
      return null;
    }
    return c;
  } catch {
    problems.push({ file, problem: 'not valid JSON' });
    return null;
  }
}

/**
 * What the bundle itself can prove about completeness (docs/evidence.md): every included stream is
 * in view of the scope by its own events, has an event in the period, runs from revision 0 to the
 * head revision stated for the cut-off, and is listed; every listed stream that was left out has
 * its first event outside the period (its other events are not shown). That the list names every stream in view is the producer's signed-off statement
 * (checkable against the log), not something the bundle alone can prove.
 */
function checkCompleteness(c: Completeness, seen: Map<string, SeenStream>, treeSize: number | null, bagInfo: string, problems: BundleProblem[]): void {
  const file = 'data/completeness.json';
  if (treeSize !== null && c.treeSize !== treeSize) problems.push({ file, problem: `states tree size ${c.treeSize}, the signed tree head ${treeSize}` });
  const stated = /^Scope: (.*)$/m.exec(bagInfo)?.[1];
  if (stated === undefined || canonicalJson(JSON.parse(stated)) !== canonicalJson(c.scope)) {
    problems.push({ file, problem: 'its scope differs from the Scope in bag-info.txt' });
  }
  const listed = new Map<string, ScopedStream>();
  for (const s of c.streams) {
    if (listed.has(s.streamId)) problems.push({ file, problem: `lists stream ${s.streamId} twice` });
    listed.set(s.streamId, s);
  }
  for (const [streamId, got] of seen) {
    const entry = listed.get(streamId);
    if (!entry?.included) {
      problems.push({ file, problem: `stream ${streamId} is in events.jsonl but not listed as included` });
      continue;
    }
    const last = got.next - 1;
    if (last < entry.headRevision)
      problems.push({
        file: 'data/events.jsonl',
        problem: `stream ${streamId} is incomplete: revisions ${last + 1} to ${entry.headRevision} (its head at the cut-off) are missing`,
      });
    else if (last > entry.headRevision)
      problems.push({ file, problem: `stream ${streamId} has revision ${last}, past the head revision ${entry.headRevision} it states` });
    const matched = [...got.matched].sort();
    // A withheld line shows nothing: it may be what named the scope, be its first event, or its event in the period.
    if (matched.length === 0 && !got.redacted)
      problems.push({ file: 'data/events.jsonl', problem: `stream ${streamId} names nothing in the scope: it does not belong in the bundle` });
    // A redacted value may be the one that named the scope; then only what is still visible must agree.
    const agrees = got.redacted ? matched.every((k) => entry.matchedBy.includes(k)) : canonicalJson(matched) === canonicalJson([...entry.matchedBy].sort());
    if (!agrees)
      problems.push({
        file,
        problem: `stream ${streamId}: listed as matching ${entry.matchedBy.join(', ')}, its events match ${matched.join(', ') || 'nothing'}`,
      });
    if (got.firstAt !== null && entry.firstAt !== got.firstAt)
      problems.push({ file, problem: `stream ${streamId}: listed as starting at ${entry.firstAt}, its first event is of ${got.firstAt}` });
    if (!includedAlways(streamId, c.scope, matched) && !got.inPeriod && !got.redacted)
      problems.push({ file, problem: `stream ${streamId} has no event in the period of the scope` });
  }
  for (const entry of c.streams) {
    if (entry.included && !seen.has(entry.streamId))
      problems.push({ file: 'data/events.jsonl', problem: `stream ${entry.streamId} is listed as included but has no events in the bundle` });
    if (!entry.included && (includedAlways(entry.streamId, c.scope, entry.matchedBy) || inPeriod(c.scope, entry.firstAt))) {
      problems.push({ file, problem: `stream ${entry.streamId} is in view of the scope and in its period, but was left out` });
    }
  }
}

/** A proofs.jsonl line as the verifier reads it (VERIFY.md B.5–B.6). */
interface ProofLine {
  position: number;
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  redacted: boolean;
  proof: string[];
}

/**
 * A proof line in the exact layout the writer gives it (RFC 8785: members in this order, no
 * spaces, integers in their shortest form, no escape anywhere), read without JSON.parse: the proof
 * elements are slices of the line, so a line costs no parse and no copy of its 17 hashes (JSON.parse
 * and its garbage were a tenth of a 100,000-event verify, ADR 0049). Such a line means exactly what
 * JSON.parse makes of it; whether each element is 64 hex digits is checked where it is used, as
 * before (InclusionVerifier). Any other line, valid JSON or not, goes through JSON.parse.
 */
export function parseProofLine(line: string): ProofLine {
  return fastProofLine(line) ?? (JSON.parse(line) as ProofLine);
}

const HEX64 = /^[0-9a-f]{64}$/;
const LEAF_HASH = '{"leafHash":"';
const LEAF_INDEX = '","leafIndex":';
const POSITION = ',"position":';
const PROOF = ',"proof":[';
const REDACTED = '],"redacted":';
const TREE_SIZE = ',"treeSize":';

/** A non-negative integer in its shortest form (at most 15 digits: exact as a double) from `at` to the first non-digit; [value, end] or null. */
function integerAt(line: string, at: number): [number, number] | null {
  let end = at;
  while (end < line.length && end - at < 16) {
    const c = line.charCodeAt(end);
    if (c < 48 || c > 57) break;
    end++;
  }
  const digits = end - at;
  if (digits === 0 || digits > 15 || (digits > 1 && line.charCodeAt(at) === 48)) return null;
  return [Number(line.slice(at, end)), end];
}

function fastProofLine(line: string): ProofLine | null {
  if (!line.startsWith(LEAF_HASH) || line.includes('\\')) return null;
  let at = LEAF_HASH.length;
  const leafHash = line.slice(at, at + 64);
  if (!HEX64.test(leafHash)) return null;
  at += 64;
  if (!line.startsWith(LEAF_INDEX, at)) return null;
  const leafIndex = integerAt(line, at + LEAF_INDEX.length);
  if (!leafIndex || !line.startsWith(POSITION, leafIndex[1])) return null;
  const position = integerAt(line, leafIndex[1] + POSITION.length);
  if (!position || !line.startsWith(PROOF, position[1])) return null;
  at = position[1] + PROOF.length;
  const proof: string[] = [];
  // Each element `"<64 characters>"`, then `,` or the list's end.
  while (line.charCodeAt(at) === 34 && line.charCodeAt(at + 65) === 34) {
    proof.push(line.slice(at + 1, at + 65));
    at += 66;
    if (line.charCodeAt(at) !== 44) break;
    at++;
    if (line.charCodeAt(at) !== 34) return null;
  }
  if (!line.startsWith(REDACTED, at)) return null;
  at += REDACTED.length;
  const redacted = line.startsWith('true', at);
  if (!redacted && !line.startsWith('false', at)) return null;
  at += redacted ? 4 : 5;
  if (!line.startsWith(TREE_SIZE, at)) return null;
  const treeSize = integerAt(line, at + TREE_SIZE.length);
  if (!treeSize || treeSize[1] !== line.length - 1 || line.charCodeAt(treeSize[1]) !== 125) return null;
  return { leafHash, leafIndex: leafIndex[0], position: position[0], proof, redacted, treeSize: treeSize[0] };
}

/** How many more lines a reader has (it is read to the end). */
async function lineCount(reader: LineReader): Promise<number> {
  let more = 0;
  while ((await reader.next()) !== undefined) more++;
  return more;
}

export interface VerifyBundleOptions {
  /** The bundle's SHA-256 as recorded at export (BundleExported): checks the zip container bytes too. */
  expectedSha256?: string;
  /** Pinned trust: the tree head must be signed by one of these Ed25519 public keys. */
  trustedKeys?: KeyObject[];
  /** Pinned TSA: anchors' RFC 3161 tokens must chain to one of these certificates; without it no token is checked. */
  trustedTsa?: X509Certificate[];
  /** Pinned witnesses (0x04 vkeys, ADR 0054): a cosignature counts only when by one of them. */
  trustedWitnesses?: Vkey[];
  /** Called every 1,000 event lines checked and once at the end (a progress display; the total is not known before the end). */
  onProgress?: (eventsChecked: number) => void;
  /**
   * Whether the event lines' canonical form and leaves are computed ahead by a thread of their own
   * (ADR 0055): 'auto' (the default) from EVENT_LEAF_THREAD_FROM_BYTES of data/events.jsonl on.
   * The verdict is the same either way.
   */
  eventLeafThread?: EventLeafThread;
}

/** Claims a verified bundle still rests on the hospital alone for (docs/evidence.md), as the verdict states them. */
export const RESTS_ON_HOSPITAL = {
  bundledKey:
    'the signature was checked with the key shipped inside the bundle (data/public-key.pem, the hospital’s own key) alone: a bundle re-signed with another key passes too; pin the key with --trusted-key or --trusted-keys',
  history:
    'the signed history: the tree head is signed by the hospital’s key only, with no external timestamp or witness, so a history rewritten and re-signed with that key would verify too',
  unanchored:
    'the signed history of the events no checked external anchor covers (anchors.unanchored): for them the tree head is signed by the hospital’s key only, so a rewrite re-signed with that key would verify too',
  unpinnedWitness: (names: string[]) =>
    `the cosignatures of ${names.join(', ')}: no key of theirs was pinned (--trusted-witness), so they prove nothing (anyone can run a witness) and cover no event`,
  unpinnedTsa:
    'the external anchors: no TSA certificate was pinned (--trusted-tsa), so their RFC 3161 tokens were not checked and no event is counted as anchored',
  completeness:
    'completeness: that no stream in view of the scope is missing from both events.jsonl and completeness.json, and that texts shown [erased] are erased, is the hospital’s statement, signed with its own key (bundle-statement.json): nobody else can change it, but the hospital could have signed a false one; the bundle’s SHA-256, recorded in the ledger at export, is what holds it to this one',
  report:
    'report.pdf, and report.html outside its events table, are renderings for people that are not checked; timeline.json, timeline.csv and report.html’s events table are derived from the proven events and checked',
  notProvable: (n: number) => `${n} text(s) written before text-commitment-v1 are shown marked “not provable”: they are the hospital’s decryption, not proven`,
  withheld: (n: number) => `${n} text(s) are shown as [erased] or [unreadable]: that their key was destroyed (or the text damaged) is the hospital’s statement`,
  redacted:
    'withheld (redacted) events: nothing of them is shown and their leaf hash is taken from proofs.jsonl, not recomputed; which leaf each withheld event is rests on the hospital (the signed redaction decision names their event ids)',
  sparsePositions:
    'positions: this log’s positions are sparse (Log-Positions: sparse), so they are labels the hospital gave, not bound to the tree; the order is proven by leaf index',
} as const;

/**
 * Checks a bundle offline, trusting nothing in it but the mathematics (and a pinned key, when
 * given): the zip's limits and names, the manifests, the tree-head signature, every event's leaf,
 * position and inclusion proof, and per-stream completeness. Hostile input gets a verdict, not a
 * crash or a hang: the zip is checked against BUNDLE_LIMITS before anything is inflated.
 */
export async function verifyBundle(path: string, options: VerifyBundleOptions = {}): Promise<BundleVerification> {
  const problems: BundleProblem[] = [];
  const anchors = new AnchorChecker(options.trustedTsa, options.trustedWitnesses);
  const report: BundleVerification = {
    ok: false,
    events: 0,
    treeSize: null,
    rootHash: null,
    keyId: null,
    redacted: 0,
    redactedFields: 0,
    texts: { proven: 0, notProvable: 0, withheld: 0 },
    signedBy: null,
    anchors: anchors.verdict,
    accessLog: { proven: 0, anchorPosition: null, completeSubjects: 0, throughSeq: null },
    restsOnHospital: [],
    problems,
  };
  if (options.expectedSha256) {
    // The zip's own bytes (headers, timestamps) as recorded in the chain of custody (BundleExported).
    const actual = createHash('sha256');
    for await (const chunk of createReadStream(path)) actual.update(chunk as Buffer);
    if (actual.digest('hex') !== options.expectedSha256.toLowerCase()) {
      problems.push({ problem: 'the file is not the bundle that was exported: its SHA-256 differs from the recorded one' });
    }
  }
  let zip: BagZip;
  try {
    zip = await BagZip.open(path);
  } catch (err) {
    problems.push(err instanceof BundleRefused ? refused(err) : { problem: `not a readable zip file: ${(err as Error).message}` });
    return report;
  }
  // Started first, so that it reads ahead while the small files are checked.
  const leaves = EventLeaves.for(path, zip.entries.get('data/events.jsonl')?.uncompressedSize ?? 0, options.eventLeafThread);
  try {
    await checkBag(zip, problems, report, options.trustedKeys, anchors, options.onProgress, leaves);
  } catch (err) {
    // A damaged archive (bad CRC, truncated data) is a failed verification, not a crash.
    problems.push(err instanceof BundleRefused ? refused(err) : { problem: `the archive is damaged: ${(err as Error).message}` });
  } finally {
    zip.close();
    await leaves.close();
  }
  report.ok = problems.length === 0;
  return report;
}

function isTreeHead(h: unknown): h is { log: string; treeSize: number; rootHash: string; issuedAt: string; keyId: string } {
  const o = h as Record<string, unknown> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.log === 'string' &&
    typeof o.issuedAt === 'string' &&
    typeof o.keyId === 'string' &&
    Number.isSafeInteger(o.treeSize) &&
    (o.treeSize as number) >= 0 &&
    typeof o.rootHash === 'string' &&
    /^[0-9a-f]{64}$/.test(o.rootHash)
  );
}

function refused(err: BundleRefused): BundleProblem {
  return err.file === undefined ? { problem: `refused: ${err.message}` } : { file: err.file, problem: err.message };
}

const REQUIRED = [
  ...TAG_FILES,
  'data/events.jsonl',
  'data/proofs.jsonl',
  'data/checkpoint.json',
  'data/checkpoint.sig',
  'data/public-key.pem',
  'data/completeness.json',
  // Provable plaintext (VERIFY.md B.12): the texts' openings, and what is derived from them.
  'data/plaintexts.jsonl',
  'data/timeline.json',
  'data/timeline.csv',
  'data/report.html',
  // Coverage of oversight (VERIFY.md B.15), derived from the shown events.
  COVERAGE_FILE,
];
/** Read whole (each within its limit, BUNDLE_LIMITS); the rest is streamed. */
const READ_WHOLE = [...TAG_FILES, 'data/checkpoint.json', 'data/checkpoint.sig', 'data/public-key.pem', 'data/completeness.json'];

async function checkBag(
  zip: BagZip,
  problems: BundleProblem[],
  report: BundleVerification,
  trustedKeys: KeyObject[] | undefined,
  anchors: AnchorChecker,
  onProgress: VerifyBundleOptions['onProgress'],
  leaves: EventLeaves,
): Promise<void> {
  for (const n of REQUIRED) if (!zip.entries.has(n)) problems.push({ file: n, problem: 'missing from the bundle' });
  if (problems.length) return;

  const digests = new Map<string, string>();
  const texts = new Map<string, string>();
  const binary = new Map<string, Buffer>();
  for (const name of READ_WHOLE) {
    const r = await zip.read(name);
    digests.set(name, r.sha256);
    if (name.endsWith('.sig') || name === BUNDLE_STATEMENT) binary.set(name, r.bytes);
    else texts.set(name, r.bytes.toString('utf8'));
  }
  const signature = binary.get('data/checkpoint.sig')!;
  if (!/^BagIt-Version: 1\.0/m.test(texts.get('bagit.txt')!)) problems.push({ file: 'bagit.txt', problem: 'not a BagIt 1.0 declaration' });
  const bagInfo = texts.get('bag-info.txt')!;

  // What the bag may hold: its tag files and the payload manifest-sha256.txt lists, nothing else
  // (an extra file would reach whoever unzips the bag unverified).
  const manifest = parseManifest('manifest-sha256.txt', texts.get('manifest-sha256.txt')!, isPayloadPath, problems);
  const tagManifest = parseManifest(
    'tagmanifest-sha256.txt',
    texts.get('tagmanifest-sha256.txt')!,
    (n) => n !== 'tagmanifest-sha256.txt' && (TAG_FILES as readonly string[]).includes(n),
    problems,
  );
  const unlisted = [...zip.entries.keys()].filter((n) => !(TAG_FILES as readonly string[]).includes(n) && !manifest.has(n));
  for (const n of unlisted)
    problems.push({ file: n, problem: 'not listed in manifest-sha256.txt: a bag holds its tag files and the payload its manifest lists, nothing else' });

  // The signed tree head, its key, and (pinned trust) whether that key is one the reader trusts.
  const headBytes = texts.get('data/checkpoint.json')!;
  type Head = { log: string; treeSize: number; rootHash: string; issuedAt: string; keyId: string };
  let head: Head | null = null;
  try {
    head = JSON.parse(headBytes) as Head | null;
    if (canonicalJson(head) !== headBytes) problems.push({ file: 'data/checkpoint.json', problem: 'not in canonical form' });
    if (!isTreeHead(head)) {
      problems.push({ file: 'data/checkpoint.json', problem: 'not a tree head {issuedAt, keyId, log, rootHash (64 hex), treeSize (integer ≥ 0)}' });
      head = null;
    }
  } catch (err) {
    problems.push({ file: 'data/checkpoint.json', problem: `cannot be checked: ${(err as Error).message}` });
  }
  let key: KeyObject | null = null;
  try {
    key = createPublicKey(texts.get('data/public-key.pem')!);
    if (key.asymmetricKeyType !== 'ed25519') {
      problems.push({ file: 'data/public-key.pem', problem: `an ${key.asymmetricKeyType} key: tree heads are signed with Ed25519` });
      key = null;
    }
  } catch (err) {
    problems.push({ file: 'data/public-key.pem', problem: `not a public key: ${(err as Error).message}` });
  }
  if (key && head) {
    const keyId = ed25519Thumbprint(key);
    if (head.keyId !== keyId)
      problems.push({ file: 'data/checkpoint.json', problem: `names key ${head.keyId}, but data/public-key.pem is key ${keyId} (its RFC 7638 thumbprint)` });
    if (!verifySignature(null, Buffer.from(headBytes, 'utf8'), key, signature)) {
      problems.push({ file: 'data/checkpoint.sig', problem: 'the signature does not match checkpoint.json and public-key.pem' });
    }
    if (trustedKeys) {
      const der = key.export({ type: 'spki', format: 'der' });
      if (trustedKeys.some((k) => k.export({ type: 'spki', format: 'der' }).equals(der))) report.signedBy = 'pinned-key';
      else problems.push({ file: 'data/public-key.pem', problem: `the tree head is signed by key ${keyId}, which is not among the trusted keys` });
    } else report.signedBy = 'bundled-key';
  }
  // B.14: the signed statement binds the payload's hashes and bag-info's fields to this tree head and key.
  const statement: BundleStatement | null = checkBundleStatement(
    binary.get(BUNDLE_STATEMENT)!,
    binary.get(BUNDLE_STATEMENT_SIG)!,
    { checkpointBytes: headBytes, head, key, manifest, bagInfo: (label) => bagInfoValue(bagInfo, label) },
    problems,
  );
  report.treeSize = head?.treeSize ?? null;
  report.rootHash = head?.rootHash ?? null;
  report.keyId = head?.keyId ?? null;

  // How positions relate to leaves (docs/evidence.md): on a gap-free log (SQL stores, the
  // default when not stated) leaf index = position − 1, so a relabelled position is caught.
  const positionRule = bagInfoValue(bagInfo, 'Log-Positions') ?? 'gap-free';
  if (positionRule !== 'gap-free' && positionRule !== 'sparse')
    problems.push({ file: 'bag-info.txt', problem: `Log-Positions: ${positionRule} is neither gap-free nor sparse` });
  const gapFree = positionRule !== 'sparse';

  // External anchors (B.11), before the events: each event is then told since when one covers it.
  if (head && manifest.has(ANCHORS_FILE) && zip.entries.has(ANCHORS_FILE)) {
    const lines = zip.lines(ANCHORS_FILE);
    await anchors.read(lines, head, problems);
    digests.set(ANCHORS_FILE, await lines.sha256());
  }

  // Events and their proofs, line by line in step: leaf hashes are recomputed here, never taken
  // from the bundle (except for redacted events, whose original leaf hash is what is proven).
  const events = zip.lines('data/events.jsonl');
  const proofs = zip.lines('data/proofs.jsonl');
  const root = head ? Buffer.from(head.rootHash, 'hex') : null;
  const inclusion = head && root ? new InclusionVerifier(head.treeSize, root) : null;
  const completeness = parseCompleteness(texts.get('data/completeness.json')!, problems);
  const match = completeness ? scopeMatcher(completeness.scope) : () => [];
  const seen = new Map<string, SeenStream>();
  const keyLists = new KeyLists();
  const provenTexts = new ProvenTexts(zip.lines('data/plaintexts.jsonl'), problems);
  // The timeline files' digests are read now, inflated off the main thread while it checks events
  // (their contents are derived and compared by ProvenTexts; only their bytes' hashes are needed).
  const timelineDigests = ['data/timeline.json', 'data/timeline.csv'].map((name) => {
    const digest = zip.digest(name).then((d) => [name, d] as const);
    digest.catch(() => undefined); // awaited below, where a failure counts
    return digest;
  });
  const withheld = new WithheldEvents(bagInfoValue(bagInfo, 'Disclosure-Request-Id'), problems);
  // B.15: as of the signed tree head's time, or the scope's `to` when earlier.
  const coverage = new CoverageDeriver(head?.issuedAt ?? '', completeness?.scope.to);
  const documents = new BundleDocuments();
  // B.18: a compliance-file export names its system and moment; the file is derived again from the events below.
  const complianceText = manifest.has(COMPLIANCE_FILE_JSON) && zip.entries.has(COMPLIANCE_FILE_JSON) ? await zip.read(COMPLIANCE_FILE_JSON) : null;
  if (complianceText) digests.set(COMPLIANCE_FILE_JSON, complianceText.sha256);
  const complianceFile =
    complianceText && completeness ? claimedComplianceFile(complianceText.bytes.toString('utf8'), completeness.scope.aiSystemIds, problems) : null;
  let lastIndex = -1;
  let lastPosition = 0;
  for (;;) {
    const line = events.ready() ?? (await events.next());
    const proofLine = proofs.ready() ?? (await proofs.next());
    if (line === undefined || proofLine === undefined) {
      if (line !== undefined || proofLine !== undefined) {
        const eventCount = line === undefined ? events.n : events.n + (await lineCount(events));
        const proofCount = proofLine === undefined ? proofs.n : proofs.n + (await lineCount(proofs));
        problems.push({ file: 'data/proofs.jsonl', problem: `${proofCount} proofs for ${eventCount} events` });
        report.events = eventCount;
      }
      onProgress?.(report.events);
      break;
    }
    const n = events.n;
    report.events = n;
    if (n % 1000 === 0) onProgress?.(n);
    let ev: { globalPosition: number; streamId: string; streamRevision: number } & Record<string, unknown>;
    let leaf: Buffer | null;
    let fieldsRedacted = false;
    try {
      ev = JSON.parse(line) as typeof ev;
      // Canonical form and leaf depend on the line alone: computed ahead by the event-leaf thread
      // when there is one (bound to this read of the file by its SHA-256 below), else here.
      let computed = leaves.take(n);
      if (computed === undefined) computed = await leaves.wait(n);
      const { canonical, leaf: recomputed, two } = computed ?? eventLeaf(ev, line);
      if (!canonical) problems.push({ file: 'data/events.jsonl', line: n, position: ev.globalPosition, problem: 'not in canonical form' });
      // B.8: a withheld line's leaf is taken from its proof; every other line's is recomputed,
      // a leaf-format-2 line's from its opened values, salts and redaction markers (B.4, ADR 0039).
      if (withheld.line(ev, n)) leaf = null;
      else if (two) {
        if (ev.leafFormat !== LEAF_FORMAT_2) two.problems.push(`leafFormat is ${JSON.stringify(ev.leafFormat)}, not ${LEAF_FORMAT_2}`);
        for (const problem of two.problems) problems.push({ file: 'data/events.jsonl', line: n, position: ev.globalPosition, problem });
        for (const r of two.redacted) withheld.field(ev.eventId, r.pointer, r.ground, n, ev.globalPosition);
        fieldsRedacted = two.redacted.length > 0;
        leaf = recomputed;
      } else leaf = recomputed;
    } catch {
      problems.push({ file: 'data/events.jsonl', line: n, problem: 'not valid JSON' });
      continue;
    }
    // Read as an envelope from here on: the line is any JSON a forger wrote, so the readers below
    // (businessTime, the scope match, ProvenTexts) test each member they use before relying on it.
    const envelope = ev as unknown as EventEnvelope;
    // Completeness: each stream from revision 0 without gaps; what its events name in scope.
    let stream = seen.get(ev.streamId);
    if (!stream) {
      stream = {
        next: 0,
        firstAt: leaf === null ? null : businessTime(envelope),
        matched: keyLists.of(completeness ? scopeKeysOfStreamId(ev.streamId, completeness.scope) : []),
        inPeriod: false,
        redacted: false,
        gap: false,
      };
      seen.set(ev.streamId, stream);
    }
    if (ev.streamRevision !== stream.next && !stream.gap) {
      stream.gap = true;
      problems.push({ file: 'data/events.jsonl', problem: `stream ${ev.streamId} is incomplete: revision ${stream.next} is missing` });
    }
    stream.next = ev.streamRevision + 1;
    // A withheld line, or a redacted member, may hide what named the scope (B.9).
    if (leaf === null || fieldsRedacted) stream.redacted = true;
    await provenTexts.event(envelope, leaf !== null);
    if (leaf === null) {
      coverage.withheldLine(ev.streamId);
      complianceFile?.withheldLine(ev.streamId);
    } else {
      coverage.event(envelope);
      documents.event(envelope);
      complianceFile?.event(envelope);
    }
    if (leaf !== null) for (const k of match(envelope)) stream.matched = keyLists.with(stream.matched, k);
    if (leaf !== null && !stream.inPeriod && completeness && inPeriod(completeness.scope, businessTime(envelope))) stream.inPeriod = true;
    try {
      const p = parseProofLine(proofLine);
      if (p.position !== ev.globalPosition) {
        problems.push({ file: 'data/proofs.jsonl', line: n, position: p.position, problem: 'does not belong to the event on the same line of events.jsonl' });
        continue;
      }
      if (p.leafIndex <= lastIndex) problems.push({ file: 'data/proofs.jsonl', line: n, position: p.position, problem: 'events are not in log order' });
      lastIndex = p.leafIndex;
      anchors.cover(p.leafIndex, ev.globalPosition);
      // The position is not part of the leaf: only this rule ties it to the signed tree.
      if (gapFree && ev.globalPosition !== p.leafIndex + 1) {
        problems.push({
          file: 'data/events.jsonl',
          line: n,
          position: ev.globalPosition,
          problem: `position ${ev.globalPosition} is not its leaf index ${p.leafIndex} + 1 (gap-free log): the position was relabelled`,
        });
      } else if (!gapFree && !(ev.globalPosition > lastPosition)) {
        problems.push({ file: 'data/events.jsonl', line: n, position: ev.globalPosition, problem: 'positions do not increase with the leaf index' });
      }
      lastPosition = ev.globalPosition;
      if (leaf === null) {
        report.redacted++;
        leaf = Buffer.from(p.leafHash, 'hex');
      } else if (p.leafHash !== leaf.toString('hex')) {
        problems.push({
          file: 'data/events.jsonl',
          line: n,
          position: ev.globalPosition,
          problem: `event at position ${ev.globalPosition} was changed: it does not hash to its sealed leaf`,
        });
        continue;
      }
      if (!inclusion || p.treeSize !== inclusion.treeSize || !Array.isArray(p.proof) || !inclusion.verifyHex(p.leafIndex, leaf, p.proof)) {
        problems.push({
          file: 'data/proofs.jsonl',
          line: n,
          position: ev.globalPosition,
          problem: `event at position ${ev.globalPosition} is not proven to be in the signed tree`,
        });
      } else if (!isWithheld(ev)) withheld.proven(ev); // only a proven decision binds (B.8)
    } catch {
      problems.push({ file: 'data/proofs.jsonl', line: n, problem: 'not valid JSON' });
    }
  }
  withheld.finish();
  report.redactedFields = withheld.fieldCount;
  if (statement && statement.eventCount !== report.events)
    problems.push({ file: BUNDLE_STATEMENT, problem: `states ${statement.eventCount} events, data/events.jsonl holds ${report.events}` });
  if (completeness) checkCompleteness(completeness, seen, head?.treeSize ?? null, bagInfo, problems);
  digests.set('data/events.jsonl', await events.sha256());
  const twoReads = await leaves.check(digests.get('data/events.jsonl')!, events.n);
  if (twoReads) problems.push({ file: 'data/events.jsonl', problem: twoReads });
  digests.set('data/proofs.jsonl', await proofs.sha256());
  for (const [name, digest] of await Promise.all(timelineDigests)) digests.set(name, digest);
  await provenTexts.finish(digests, zip.lines('data/report.html'));
  digests.set(COVERAGE_FILE, await zip.digest(COVERAGE_FILE));
  if (createHash('sha256').update(coverage.bytes().text, 'utf8').digest('hex') !== digests.get(COVERAGE_FILE))
    problems.push({ file: COVERAGE_FILE, problem: 'is not the coverage derived from the proven events (VERIFY.md B.15): it was edited' });
  report.texts = provenTexts.counts;
  if (complianceFile && complianceText) checkComplianceFile(complianceFile, complianceText.bytes.toString('utf8'), problems);
  // B.16: each document file against the event that recorded it; every document that held in the period present.
  const documentFiles = new Map<string, { sha256: string | undefined; size: number }>();
  for (const name of manifest.keys()) {
    if (!name.startsWith(DOCUMENTS_DIR) || !zip.entries.has(name)) continue;
    digests.set(name, await zip.digest(name));
    documentFiles.set(name, { sha256: digests.get(name), size: zip.entries.get(name)!.uncompressedSize });
  }
  if (completeness) documents.check(completeness.scope, documentFiles, problems);
  // B.17: the access-log extract, each entry proven in the tree its anchor event (proven here too) names.
  report.accessLog = await checkAccessLog(zip, head, gapFree, completeness?.scope.patientPseudonyms ?? null, digests, problems);

  // Listed payload files not read above are hashed now (unlisted ones are never read); then both manifests are checked.
  for (const name of manifest.keys()) {
    if (!digests.has(name) && zip.entries.has(name)) digests.set(name, await zip.digest(name));
  }
  for (const [name, listed] of manifest) {
    const digest = digests.get(name);
    if (digest === undefined) problems.push({ file: name, problem: 'listed in the manifest but missing' });
    else if (digest !== listed) problems.push({ file: name, problem: 'its SHA-256 differs from manifest-sha256.txt' });
  }
  for (const name of TAG_FILES.filter((n) => n !== 'tagmanifest-sha256.txt')) {
    if (tagManifest.get(name) !== digests.get(name)) problems.push({ file: name, problem: 'its SHA-256 differs from tagmanifest-sha256.txt' });
  }

  report.restsOnHospital = [
    ...(report.signedBy === 'pinned-key' ? [] : [RESTS_ON_HOSPITAL.bundledKey]),
    ...historyClaims(anchors.verdict),
    ...(anchors.verdict.witnesses.unpinned.length ? [RESTS_ON_HOSPITAL.unpinnedWitness(anchors.verdict.witnesses.unpinned)] : []),
    RESTS_ON_HOSPITAL.completeness,
    RESTS_ON_HOSPITAL.report,
    ...(provenTexts.counts.notProvable ? [RESTS_ON_HOSPITAL.notProvable(provenTexts.counts.notProvable)] : []),
    ...(provenTexts.counts.withheld ? [RESTS_ON_HOSPITAL.withheld(provenTexts.counts.withheld)] : []),
    ...(report.redacted ? [RESTS_ON_HOSPITAL.redacted] : []),
    ...(gapFree ? [] : [RESTS_ON_HOSPITAL.sparsePositions]),
    ...(zip.entries.has(ACCESS_LOG_FILE) ? [accessLogClaim(report.accessLog, completeness?.scope.patientPseudonyms ?? [])] : []),
  ];
}

/** What the history rests on: the hospital's key alone, unless checked anchors cover every event. */
function historyClaims(v: AnchorsVerdict): string[] {
  // With witnesses pinned some events may be anchored while the TSA's tokens were not checked.
  const tsa = v.checkedAgainst === 'not-pinned' ? [RESTS_ON_HOSPITAL.unpinnedTsa] : [];
  if (v.anchored.length === 0) return [...tsa, RESTS_ON_HOSPITAL.history];
  return [...tsa, ...(v.unanchored ? [RESTS_ON_HOSPITAL.unanchored] : [])];
}
