import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import * as yauzl from 'yauzl';
import { canonicalJson } from '../ledger/canonical-json';
import { leafHash, verifyInclusion } from '../ledger/merkle';

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

function open(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return promisify<yauzl.Entry, Readable>(zip.openReadStream.bind(zip))(entry);
}

/** Reads an entry, hashing it, optionally handing each line to `onLine`. */
async function read(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  onLine?: (line: string, n: number) => void,
): Promise<{ sha256: string; text?: string }> {
  const stream = await open(zip, entry);
  const hash = createHash('sha256');
  const small: Buffer[] = [];
  stream.on('data', (c: Buffer) => {
    hash.update(c);
    if (!onLine) small.push(c);
  });
  if (onLine) {
    let n = 0;
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) if (line) onLine(line, ++n);
  } else {
    await new Promise((resolve, reject) => stream.on('end', resolve).on('error', reject));
  }
  return { sha256: hash.digest('hex'), text: onLine ? undefined : Buffer.concat(small).toString('utf8') };
}

function parseManifest(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{64}) {1,2}\*?(.+)$/.exec(line.trim());
    if (match) m.set(match[2], match[1]);
  }
  return m;
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
    const need = ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'tagmanifest-sha256.txt', 'data/events.jsonl', 'data/proofs.jsonl', 'data/checkpoint.json', 'data/checkpoint.sig', 'data/public-key.pem'];
    for (const n of need) if (!entries.has(n)) problems.push({ file: n, problem: 'missing from the bundle' });
    if (problems.length) return;

    const digests = new Map<string, string>();
    const texts = new Map<string, string>();
    for (const name of ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'tagmanifest-sha256.txt', 'data/checkpoint.json', 'data/public-key.pem', 'data/completeness.json']) {
      const entry = entries.get(name);
      if (!entry) continue;
      const r = await read(zip, entry);
      digests.set(name, r.sha256);
      texts.set(name, r.text!);
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

    // Events: leaf hashes recomputed here, never taken from the bundle (except redacted ones).
    const leaves: Array<{ position: number; leaf: Buffer | null; streamId: string; revision: number }> = [];
    const events = await read(zip, entries.get('data/events.jsonl')!, (line, n) => {
      try {
        const e = JSON.parse(line);
        if (canonicalJson(e) !== line) problems.push({ file: 'data/events.jsonl', line: n, position: e.globalPosition, problem: 'not in canonical form' });
        const { globalPosition, ...content } = e;
        const redacted = line.includes('"$redacted"');
        leaves.push({ position: globalPosition, leaf: redacted ? null : leafHash(Buffer.from(canonicalJson(content), 'utf8')), streamId: e.streamId, revision: e.streamRevision });
      } catch {
        problems.push({ file: 'data/events.jsonl', line: n, problem: 'not valid JSON' });
      }
    });
    digests.set('data/events.jsonl', events.sha256);
    report.events = leaves.length;

    const root = head ? Buffer.from(head.rootHash, 'hex') : null;
    let lastIndex = -1;
    let proofCount = 0;
    const proofs = await read(zip, entries.get('data/proofs.jsonl')!, (line, n) => {
      proofCount = n;
      const ev = leaves[n - 1];
      try {
        const p = JSON.parse(line) as { position: number; leafIndex: number; treeSize: number; leafHash: string; redacted: boolean; proof: string[] };
        if (!ev || p.position !== ev.position) {
          problems.push({ file: 'data/proofs.jsonl', line: n, position: p.position, problem: 'does not belong to the event on the same line of events.jsonl' });
          return;
        }
        if (p.leafIndex <= lastIndex) problems.push({ file: 'data/proofs.jsonl', line: n, position: p.position, problem: 'events are not in log order' });
        lastIndex = p.leafIndex;
        const leaf = ev.leaf ?? Buffer.from(p.leafHash, 'hex');
        if (ev.leaf === null) report.redacted++;
        else if (p.leafHash !== ev.leaf.toString('hex')) {
          problems.push({ file: 'data/events.jsonl', line: n, position: ev.position, problem: `event at position ${ev.position} was changed: it does not hash to its sealed leaf` });
          return;
        }
        if (!root || p.treeSize !== head!.treeSize || !verifyInclusion(p.leafIndex, p.treeSize, leaf, p.proof.map((h) => Buffer.from(h, 'hex')), root)) {
          problems.push({ file: 'data/proofs.jsonl', line: n, position: ev.position, problem: `event at position ${ev.position} is not proven to be in the signed tree` });
        }
      } catch {
        problems.push({ file: 'data/proofs.jsonl', line: n, problem: 'not valid JSON' });
      }
    });
    digests.set('data/proofs.jsonl', proofs.sha256);
    if (proofCount !== leaves.length) {
      problems.push({ file: 'data/proofs.jsonl', problem: `${proofCount} proofs for ${leaves.length} events` });
    }

    // Completeness: each stream from revision 0 without gaps.
    const byStream = new Map<string, number[]>();
    for (const l of leaves) byStream.set(l.streamId, [...(byStream.get(l.streamId) ?? []), l.revision]);
    for (const [streamId, revs] of byStream) {
      const gap = revs.findIndex((r, i) => r !== i);
      if (gap >= 0) problems.push({ file: 'data/events.jsonl', problem: `stream ${streamId} is incomplete: revision ${gap} is missing` });
    }

    // Payload files not read above are hashed now; then both manifests are checked.
    for (const [name, entry] of entries) {
      if (!digests.has(name) && !name.endsWith('/')) digests.set(name, (await read(zip, entry)).sha256);
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
