import { createHash, type KeyObject, sign } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { promisify } from 'node:util';
import * as yauzl from 'yauzl';
import { ZipFile } from 'yazl';
import {
  BUNDLE_STATEMENT,
  BUNDLE_STATEMENT_SIG,
  BUNDLE_STATEMENT_TEXT,
  BUNDLE_STATEMENT_VERSION,
  type BundleStatement,
  bundleStatementBytes,
} from '@app/evidence';

/** Reads every entry of a zip into memory (test bundles are small). */
export async function readZip(path: string): Promise<Map<string, Buffer>> {
  const zip = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(path, { lazyEntries: true });
  const out = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) return reject(err ?? new Error(`${entry.fileName}: no read stream`));
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          out.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  return out;
}

/** Writes entries (in the given order) as a new zip: for tampering with a bundle in tests. */
export async function writeZip(path: string, entries: Map<string, Buffer>): Promise<void> {
  const zip = new ZipFile();
  for (const [name, data] of entries) zip.addBuffer(data, name);
  zip.end();
  const out = createWriteStream(path);
  zip.outputStream.pipe(out);
  await once(out, 'finish');
}

/**
 * Recomputes both BagIt manifests after a test changed payload files: what a dishonest producer
 * would do, so that only the checks beyond the manifests can catch the change. With `signWith`
 * the signed bundle statement (VERIFY.md B.14) is made again from the files and signed with that
 * key: the hospital's own (it can sign a false statement) or a forger's. Without it the statement
 * stays as exported: a forger without the key cannot redo it.
 */
export function rebag(files: Map<string, Buffer>, signWith?: KeyObject): void {
  const line = (name: string) => `${createHash('sha256').update(files.get(name)!).digest('hex')}  ${name}\n`;
  const payload = [...files.keys()].filter((n) => n.startsWith('data/'));
  files.set('manifest-sha256.txt', Buffer.from(payload.map(line).join('')));
  if (signWith) restate(files, signWith);
  const tags = ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', BUNDLE_STATEMENT, BUNDLE_STATEMENT_SIG].filter((n) => files.has(n));
  files.set('tagmanifest-sha256.txt', Buffer.from(tags.map(line).join('')));
}

/** The bundle statement (VERIFY.md B.14) made again from the files as they are now, signed with `key`. */
export function restate(files: Map<string, Buffer>, key: KeyObject): void {
  const info = files.get('bag-info.txt')!.toString();
  const field = (label: string) => new RegExp(`^${label}: (.*)$`, 'm').exec(info)?.[1] ?? '';
  const head = JSON.parse(files.get('data/checkpoint.json')!.toString()) as { treeSize: number; rootHash: string; keyId: string };
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const bytes = bundleStatementBytes({
    version: BUNDLE_STATEMENT_VERSION,
    statement: BUNDLE_STATEMENT_TEXT,
    checkpointSha256: sha(files.get('data/checkpoint.json')!),
    treeSize: head.treeSize,
    rootHash: head.rootHash,
    keyId: head.keyId,
    disclosureRequestId: field('Disclosure-Request-Id'),
    scope: JSON.parse(field('Scope') || 'null') as BundleStatement['scope'],
    logPositions: field('Log-Positions') as BundleStatement['logPositions'],
    eventCount: files
      .get('data/events.jsonl')!
      .toString()
      .split('\n')
      .filter((l) => l.replace(/\r$/, '') !== '').length,
    payload: [...files.keys()].filter((n) => n.startsWith('data/')).map((path) => ({ path, sha256: sha(files.get(path)!) })),
  });
  files.set(BUNDLE_STATEMENT, bytes);
  files.set(BUNDLE_STATEMENT_SIG, sign(null, bytes, key));
}

/** Writes entries as a new zip, a name as often as it is given (duplicates included). */
export async function writeZipEntries(path: string, entries: Array<[string, Buffer]>): Promise<void> {
  const zip = new ZipFile();
  for (const [name, data] of entries) zip.addBuffer(data, name);
  zip.end();
  const out = createWriteStream(path);
  zip.outputStream.pipe(out);
  await once(out, 'finish');
}

/**
 * What a forger who relabels an event's position must redo besides events.jsonl and proofs.jsonl:
 * the files a verifier derives from the events (plaintexts.jsonl, timeline.*, report.html's row),
 * so that only the rule under test can catch the forgery.
 */
export function relabelDerived(files: Map<string, Buffer>, from: number, to: number): void {
  const edit = (name: string, change: (text: string) => string) => files.set(name, Buffer.from(change(files.get(name)!.toString())));
  edit('data/plaintexts.jsonl', (s) => s.replaceAll(`"position":${from},`, `"position":${to},`));
  edit('data/timeline.json', (s) => s.replace(`{"position":${from},`, `{"position":${to},`));
  edit('data/timeline.csv', (s) => s.replace(new RegExp(`^${from},`, 'm'), `${to},`));
  edit('data/report.html', (s) => s.replace(new RegExp(`^(<tr(?: class="late")?><td>)${from}</td>`, 'm'), `$1${to}</td>`));
}
