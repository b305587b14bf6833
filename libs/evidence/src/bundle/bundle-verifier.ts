import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import * as yauzl from 'yauzl';
import { canonicalJson } from '../ledger/canonical-json';
import type { EventEnvelope } from '@app/event-store';
import { InclusionVerifier, leafHash } from '../ledger/merkle';
import { type BundleScope, businessTime, inPeriod, LEDGER_KEYS, type ScopedStream, scopeKeysOfStreamId, scopeMatcher } from './scope';

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
  problems: BundleProblem[];
}

const openZip = promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open);

async function listEntries(zip: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  const entries = new Map<string, yauzl.Entry>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      entries.set(e.fileName, e);
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  return entries;
}

async function open(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  const stream = await promisify<yauzl.Entry, Readable>(zip.openReadStream.bind(zip))(entry);
  // yauzl forwards an inflate error with emit('error'), a tick late and even before anyone reads:
  // unheard it crashes the process, and heard it leaves the stream open, so a reader would wait
  // for ever. Marking the stream failed makes any reader, now or later, get the error.
  stream.on('error', (err) => {
    if (!stream.destroyed) stream.destroy(err);
  });
  return stream;
}

/** Reads a whole (small) entry, hashing it. */
async function read(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<{ sha256: string; text: string }> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  for await (const c of await open(zip, entry)) {
    hash.update(c as Buffer);
    chunks.push(c as Buffer);
  }
  return { sha256: hash.digest('hex'), text: Buffer.concat(chunks).toString('utf8') };
}

/** Hashes an entry without keeping it. */
async function digest(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<string> {
  const hash = createHash('sha256');
  for await (const c of await open(zip, entry)) hash.update(c as Buffer);
  return hash.digest('hex');
}

/**
 * The non-empty lines of an entry, one at a time, numbered from 1, while the entry's bytes are
 * hashed as they stream past: one read of the file serves both the manifest and the checks.
 */
class LineReader {
  private readonly hash = createHash('sha256');
  private readonly chunks: AsyncIterator<Buffer>;
  private readonly decoder = new StringDecoder('utf8');
  private lines: string[] = [];
  private at = 0;
  private rest = '';
  private done = false;
  n = 0;

  constructor(stream: Readable) {
    this.chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  async next(): Promise<string | undefined> {
    for (;;) {
      while (this.at < this.lines.length) {
        const line = this.lines[this.at++];
        if (line) {
          this.n++;
          return line;
        }
      }
      if (this.done) return undefined;
      const { value, done } = await this.chunks.next();
      let text: string;
      if (done) {
        this.done = true;
        text = this.rest + this.decoder.end();
        this.lines = [text.replace(/\r$/, '')];
      } else {
        this.hash.update(value);
        text = this.rest + this.decoder.write(value);
        this.lines = text.split('\n');
        this.rest = this.lines.pop()!;
        this.lines = this.lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
      }
      this.at = 0;
    }
  }

  /** Reads to the end; the SHA-256 of every byte. */
  async sha256(): Promise<string> {
    while ((await this.next()) !== undefined);
    return this.hash.digest('hex');
  }
}

/**
 * RFC 8785 form of an event line, and of the leaf (the same without `globalPosition`, DESIGN §5),
 * from one serialisation of each top-level member.
 */
function canonicalEvent(e: Record<string, unknown>): { line: string; leaf: string } {
  let line = '{';
  let leaf = '{';
  for (const k of Object.keys(e).sort()) {
    if (e[k] === undefined) continue;
    const member = `${JSON.stringify(k)}:${canonicalJson(e[k])}`;
    line += line.length === 1 ? member : `,${member}`;
    if (k !== 'globalPosition') leaf += leaf.length === 1 ? member : `,${member}`;
  }
  return { line: `${line}}`, leaf: `${leaf}}` };
}

function parseManifest(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{64}) {1,2}\*?(.+)$/.exec(line.trim());
    if (match) m.set(match[2], match[1]);
  }
  return m;
}

/** What the verifier saw of one stream in events.jsonl. */
interface SeenStream {
  next: number;
  firstAt: string;
  /** Scope keys named by its events (or its id), recomputed here. */
  matched: Set<string>;
  redacted: boolean;
  gap: boolean;
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
 * in view of the scope by its own events, runs from revision 0 to the head revision stated for the
 * cut-off, and is listed; every listed stream that was left out has its first event outside the
 * period. That the list names every stream in view is the producer's signed-off statement
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
    if (last < entry.headRevision) problems.push({ file: 'data/events.jsonl', problem: `stream ${streamId} is incomplete: revisions ${last + 1} to ${entry.headRevision} (its head at the cut-off) are missing` });
    else if (last > entry.headRevision) problems.push({ file, problem: `stream ${streamId} has revision ${last}, past the head revision ${entry.headRevision} it states` });
    const matched = [...got.matched].sort();
    if (matched.length === 0) problems.push({ file: 'data/events.jsonl', problem: `stream ${streamId} names nothing in the scope: it does not belong in the bundle` });
    // A redacted value may be the one that named the scope; then only what is still visible must agree.
    const agrees = got.redacted ? matched.every((k) => entry.matchedBy.includes(k)) : canonicalJson(matched) === canonicalJson([...entry.matchedBy].sort());
    if (!agrees) problems.push({ file, problem: `stream ${streamId}: listed as matching ${entry.matchedBy.join(', ')}, its events match ${matched.join(', ') || 'nothing'}` });
    if (entry.firstAt !== got.firstAt) problems.push({ file, problem: `stream ${streamId}: listed as starting at ${entry.firstAt}, its first event is of ${got.firstAt}` });
    if (streamId !== LEDGER_KEYS && !inPeriod(c.scope, got.firstAt)) problems.push({ file, problem: `stream ${streamId} starts at ${got.firstAt}, outside the period of the scope` });
  }
  for (const entry of c.streams) {
    if (entry.included && !seen.has(entry.streamId)) problems.push({ file: 'data/events.jsonl', problem: `stream ${entry.streamId} is listed as included but has no events in the bundle` });
    if (!entry.included && (entry.streamId === LEDGER_KEYS || inPeriod(c.scope, entry.firstAt))) {
      problems.push({ file, problem: `stream ${entry.streamId} is in view of the scope and in its period, but was left out` });
    }
  }
}

/** How many more lines a reader has (it is read to the end). */
async function lineCount(reader: LineReader): Promise<number> {
  let more = 0;
  while ((await reader.next()) !== undefined) more++;
  return more;
}

/**
 * Checks a bundle offline, trusting nothing in it but the mathematics: manifests, the tree-head
 * signature, every event's leaf and inclusion proof, and per-stream completeness.
 */
export async function verifyBundle(path: string, options: { expectedSha256?: string } = {}): Promise<BundleVerification> {
  const problems: BundleProblem[] = [];
  const report: BundleVerification = { ok: false, events: 0, treeSize: null, rootHash: null, keyId: null, redacted: 0, problems };
  if (options.expectedSha256) {
    // The zip's own bytes (headers, timestamps) as recorded in the chain of custody (BundleExported).
    const actual = createHash('sha256');
    for await (const chunk of createReadStream(path)) actual.update(chunk as Buffer);
    if (actual.digest('hex') !== options.expectedSha256.toLowerCase()) {
      problems.push({ problem: 'the file is not the bundle that was exported: its SHA-256 differs from the recorded one' });
    }
  }
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path, { lazyEntries: true, autoClose: false });
  } catch (err) {
    problems.push({ problem: `not a readable zip file: ${(err as Error).message}` });
    return report;
  }
  try {
    await checkEntries(zip, problems, report);
  } catch (err) {
    // A damaged archive (bad CRC, truncated data) is a failed verification, not a crash.
    problems.push({ problem: `the archive is damaged: ${(err as Error).message}` });
  } finally {
    zip.close();
  }
  report.ok = problems.length === 0;
  return report;
}

async function checkEntries(zip: yauzl.ZipFile, problems: BundleProblem[], report: BundleVerification): Promise<void> {
  {
    const entries = await listEntries(zip);
    const need = ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'tagmanifest-sha256.txt', 'data/events.jsonl', 'data/proofs.jsonl', 'data/checkpoint.json', 'data/checkpoint.sig', 'data/public-key.pem', 'data/completeness.json'];
    for (const n of need) if (!entries.has(n)) problems.push({ file: n, problem: 'missing from the bundle' });
    if (problems.length) return;

    const digests = new Map<string, string>();
    const texts = new Map<string, string>();
    for (const name of ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'tagmanifest-sha256.txt', 'data/checkpoint.json', 'data/public-key.pem', 'data/completeness.json']) {
      const entry = entries.get(name);
      if (!entry) continue;
      const r = await read(zip, entry);
      digests.set(name, r.sha256);
      texts.set(name, r.text);
    }
    const sigStream = await open(zip, entries.get('data/checkpoint.sig')!);
    const sigChunks: Buffer[] = [];
    for await (const c of sigStream) sigChunks.push(c as Buffer);
    const signature = Buffer.concat(sigChunks);
    digests.set('data/checkpoint.sig', createHash('sha256').update(signature).digest('hex'));

    if (!/^BagIt-Version: 1\.0/m.test(texts.get('bagit.txt')!)) problems.push({ file: 'bagit.txt', problem: 'not a BagIt 1.0 declaration' });

    // The signed tree head.
    const headBytes = texts.get('data/checkpoint.json')!;
    let head: { log: string; treeSize: number; rootHash: string; issuedAt: string; keyId: string } | null = null;
    try {
      head = JSON.parse(headBytes);
      if (canonicalJson(head) !== headBytes) problems.push({ file: 'data/checkpoint.json', problem: 'not in canonical form' });
      const ok = verifySignature(null, Buffer.from(headBytes, 'utf8'), createPublicKey(texts.get('data/public-key.pem')!), signature);
      if (!ok) problems.push({ file: 'data/checkpoint.sig', problem: 'the signature does not match checkpoint.json and public-key.pem' });
    } catch (err) {
      problems.push({ file: 'data/checkpoint.json', problem: `cannot be checked: ${(err as Error).message}` });
    }
    report.treeSize = head?.treeSize ?? null;
    report.rootHash = head?.rootHash ?? null;
    report.keyId = head?.keyId ?? null;

    // Events and their proofs, line by line in step: leaf hashes are recomputed here, never taken
    // from the bundle (except for redacted events, whose original leaf hash is what is proven).
    const events = new LineReader(await open(zip, entries.get('data/events.jsonl')!));
    const proofs = new LineReader(await open(zip, entries.get('data/proofs.jsonl')!));
    const root = head ? Buffer.from(head.rootHash, 'hex') : null;
    const inclusion = head && root ? new InclusionVerifier(head.treeSize, root) : null;
    const completeness = parseCompleteness(texts.get('data/completeness.json')!, problems);
    const match = completeness ? scopeMatcher(completeness.scope) : () => [];
    const seen = new Map<string, SeenStream>();
    let lastIndex = -1;
    for (;;) {
      const [line, proofLine] = await Promise.all([events.next(), proofs.next()]);
      if (line === undefined || proofLine === undefined) {
        if (line !== undefined || proofLine !== undefined) {
          const eventCount = line === undefined ? events.n : events.n + (await lineCount(events));
          const proofCount = proofLine === undefined ? proofs.n : proofs.n + (await lineCount(proofs));
          problems.push({ file: 'data/proofs.jsonl', problem: `${proofCount} proofs for ${eventCount} events` });
          report.events = eventCount;
        }
        break;
      }
      const n = events.n;
      report.events = n;
      let ev: { globalPosition: number; streamId: string; streamRevision: number } & Record<string, unknown>;
      let leaf: Buffer | null;
      try {
        ev = JSON.parse(line);
        const canonical = canonicalEvent(ev);
        if (canonical.line !== line) problems.push({ file: 'data/events.jsonl', line: n, position: ev.globalPosition, problem: 'not in canonical form' });
        leaf = line.includes('"$redacted"') ? null : leafHash(canonical.leaf);
      } catch {
        problems.push({ file: 'data/events.jsonl', line: n, problem: 'not valid JSON' });
        continue;
      }
      // Completeness: each stream from revision 0 without gaps; what its events name in scope.
      let stream = seen.get(ev.streamId);
      if (!stream) {
        stream = { next: 0, firstAt: businessTime(ev as unknown as EventEnvelope), matched: new Set(completeness ? scopeKeysOfStreamId(ev.streamId, completeness.scope) : []), redacted: false, gap: false };
        seen.set(ev.streamId, stream);
      }
      if (ev.streamRevision !== stream.next && !stream.gap) {
        stream.gap = true;
        problems.push({ file: 'data/events.jsonl', problem: `stream ${ev.streamId} is incomplete: revision ${stream.next} is missing` });
      }
      stream.next = ev.streamRevision + 1;
      if (leaf === null) stream.redacted = true;
      for (const k of match(ev as unknown as EventEnvelope)) stream.matched.add(k);
      try {
        const p = JSON.parse(proofLine) as { position: number; leafIndex: number; treeSize: number; leafHash: string; redacted: boolean; proof: string[] };
        if (p.position !== ev.globalPosition) {
          problems.push({ file: 'data/proofs.jsonl', line: n, position: p.position, problem: 'does not belong to the event on the same line of events.jsonl' });
          continue;
        }
        if (p.leafIndex <= lastIndex) problems.push({ file: 'data/proofs.jsonl', line: n, position: p.position, problem: 'events are not in log order' });
        lastIndex = p.leafIndex;
        if (leaf === null) {
          report.redacted++;
          leaf = Buffer.from(p.leafHash, 'hex');
        } else if (p.leafHash !== leaf.toString('hex')) {
          problems.push({ file: 'data/events.jsonl', line: n, position: ev.globalPosition, problem: `event at position ${ev.globalPosition} was changed: it does not hash to its sealed leaf` });
          continue;
        }
        if (!inclusion || p.treeSize !== inclusion.treeSize || !Array.isArray(p.proof) || !inclusion.verifyHex(p.leafIndex, leaf, p.proof)) {
          problems.push({ file: 'data/proofs.jsonl', line: n, position: ev.globalPosition, problem: `event at position ${ev.globalPosition} is not proven to be in the signed tree` });
        }
      } catch {
        problems.push({ file: 'data/proofs.jsonl', line: n, problem: 'not valid JSON' });
      }
    }
    if (completeness) checkCompleteness(completeness, seen, head?.treeSize ?? null, texts.get('bag-info.txt')!, problems);
    digests.set('data/events.jsonl', await events.sha256());
    digests.set('data/proofs.jsonl', await proofs.sha256());

    // Payload files not read above are hashed now; then both manifests are checked.
    for (const [name, entry] of entries) {
      if (!digests.has(name) && !name.endsWith('/')) digests.set(name, await digest(zip, entry));
    }
    const manifest = parseManifest(texts.get('manifest-sha256.txt')!);
    for (const [name, digest] of digests) {
      if (!name.startsWith('data/')) continue;
      const listed = manifest.get(name);
      if (!listed) problems.push({ file: name, problem: 'not listed in manifest-sha256.txt' });
      else if (listed !== digest) problems.push({ file: name, problem: 'its SHA-256 differs from manifest-sha256.txt' });
    }
    for (const name of manifest.keys()) if (!digests.has(name)) problems.push({ file: name, problem: 'listed in the manifest but missing' });
    const tagManifest = parseManifest(texts.get('tagmanifest-sha256.txt')!);
    for (const name of ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt']) {
      if (tagManifest.get(name) !== digests.get(name)) problems.push({ file: name, problem: 'its SHA-256 differs from tagmanifest-sha256.txt' });
    }
  }
}
