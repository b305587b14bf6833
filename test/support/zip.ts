import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { promisify } from 'node:util';
import * as yauzl from 'yauzl';
import { ZipFile } from 'yazl';

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
 * would do, so that only the checks beyond the manifests can catch the change.
 */
export function rebag(files: Map<string, Buffer>): void {
  const line = (name: string) => `${createHash('sha256').update(files.get(name)!).digest('hex')}  ${name}\n`;
  files.set(
    'manifest-sha256.txt',
    Buffer.from(
      [...files.keys()]
        .filter((n) => n.startsWith('data/'))
        .map(line)
        .join(''),
    ),
  );
  files.set('tagmanifest-sha256.txt', Buffer.from(['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt'].map(line).join('')));
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
