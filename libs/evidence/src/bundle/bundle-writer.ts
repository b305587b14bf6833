import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { EventEnvelope, EventStore } from '@app/event-store';
import { canonicalJson } from '../ledger/canonical-json';
import { MerkleTree } from '../ledger/merkle';
import type { LedgerService } from '../ledger/ledger.service';
import { treeHeadBytes, type SignedTreeHead } from '../ledger/tree-head';
import { redact, type RedactionRule } from './redaction';
import { reportHtml, type ReportMeta } from './report-html';
import { reportPdf } from './report-pdf';
import { type BundleScope, streamsInScope } from './scope';
import { csvRow, type Decrypt, TIMELINE_COLUMNS, timelineEntry, type TimelineEntry } from './timeline';
import { verifyMd } from './verify-md';

export interface BundleRequest {
  requestId: string;
  reference: string;
  requester: string;
  scope: BundleScope;
  redactions: RedactionRule[];
  producedBy: string;
}

export interface BundleResult {
  treeSize: number;
  rootHash: string;
  eventCount: number;
  streamCount: number;
  byteSize: number;
  bundleSha256: string;
  head: SignedTreeHead;
}

export interface BundleProgress {
  phase: 'sealing' | 'scoping' | 'events' | 'proofs' | 'timeline' | 'finishing';
  done: number;
  total: number;
}

const REPORT_ROWS = 5000;

/** A payload file being streamed into the zip while its SHA-256 and size are taken. */
class Entry {
  private readonly hash = createHash('sha256');
  readonly stream = new PassThrough();
  bytes = 0;

  constructor(readonly name: string) {}

  async write(chunk: string | Buffer): Promise<void> {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.hash.update(buf);
    this.bytes += buf.length;
    if (!this.stream.write(buf)) await once(this.stream, 'drain');
  }

  end(): string {
    this.stream.end();
    return this.hash.digest('hex');
  }
}

/**
 * Writes a BagIt (RFC 8493) bundle as a zip to `out`, streaming: events are read page by page
 * and nothing holds the whole bundle. The zip's own SHA-256 is taken as it leaves.
 */
export async function writeBundle(
  deps: {
    store: EventStore;
    ledger: LedgerService;
    decrypt: Decrypt;
    /** NEN 7513 access-log entries about these patients, in log order (included when given). */
    accessLog?: (pseudonyms: string[]) => AsyncIterable<object>;
  },
  request: BundleRequest,
  out: Writable,
  onProgress: (p: BundleProgress) => void = () => undefined,
): Promise<BundleResult> {
  onProgress({ phase: 'sealing', done: 0, total: 1 });
  const head = await deps.ledger.checkpoint();
  const { hashes, positions } = await deps.ledger.leaves(head.treeSize);
  const cutoff = positions.length ? positions[positions.length - 1] : 0;
  const leafIndex = new Map(positions.map((p, i) => [p, i]));

  onProgress({ phase: 'scoping', done: 0, total: head.treeSize });
  const streams = await streamsInScope(deps.store, request.scope, cutoff);

  const zip = new ZipFile();
  const whole = createHash('sha256');
  let byteSize = 0;
  zip.outputStream.on('data', (c: Buffer) => {
    whole.update(c);
    byteSize += c.length;
  });
  zip.outputStream.pipe(out);
  const finished = once(out, 'finish');
  const manifest: Array<[string, string, number]> = [];

  const add = async (name: string, produce: (e: Entry) => Promise<void>) => {
    const entry = new Entry(name);
    zip.addReadStream(entry.stream, name, { mtime: new Date(head.issuedAt) });
    await produce(entry);
    manifest.push([entry.end(), name, entry.bytes]);
  };

  // Every in-scope event up to the cut-off, in global order, exactly as stored (redactions marked).
  const inScope = async function* (): AsyncGenerator<EventEnvelope> {
    let after = 0;
    while (after < cutoff) {
      const batch = await deps.store.readAll(after, 2000, { raw: true });
      if (batch.length === 0) return;
      for (const e of batch) if (e.globalPosition <= cutoff && streams.has(e.streamId)) yield e;
      after = batch[batch.length - 1].globalPosition;
    }
  };

  const included: number[] = [];
  const redactedPositions = new Set<number>();
  const revisions = new Map<string, number[]>();
  await add('data/events.jsonl', async (entry) => {
    for await (const stored of inScope()) {
      const { event, redacted } = redact(stored, request.redactions);
      if (redacted) redactedPositions.add(stored.globalPosition);
      await entry.write(`${canonicalJson(event)}\n`);
      included.push(stored.globalPosition);
      const list = revisions.get(stored.streamId) ?? [];
      list.push(stored.streamRevision);
      revisions.set(stored.streamId, list);
      if (included.length % 1000 === 0) onProgress({ phase: 'events', done: included.length, total: head.treeSize });
    }
  });

  onProgress({ phase: 'proofs', done: 0, total: included.length });
  const tree = new MerkleTree(hashes);
  await add('data/proofs.jsonl', async (entry) => {
    for (const [n, position] of included.entries()) {
      const index = leafIndex.get(position)!;
      await entry.write(
        `${canonicalJson({
          position,
          leafIndex: index,
          treeSize: head.treeSize,
          leafHash: hashes[index].toString('hex'),
          redacted: redactedPositions.has(position),
          proof: tree.inclusionProof(index, head.treeSize).map((h) => h.toString('hex')),
        })}\n`,
      );
      if (n % 5000 === 0) onProgress({ phase: 'proofs', done: n, total: included.length });
    }
  });

  onProgress({ phase: 'timeline', done: 0, total: included.length });
  // The reconstruction, read again from the log for each file so neither is held in memory.
  const timeline = async function* (): AsyncGenerator<TimelineEntry> {
    for await (const stored of inScope()) yield timelineEntry(redact(stored, request.redactions).event, deps.decrypt);
  };
  const reportRows: TimelineEntry[] = [];
  await add('data/timeline.json', async (entry) => {
    await entry.write('[\n');
    let first = true;
    for await (const row of timeline()) {
      await entry.write(`${first ? '' : ',\n'}${JSON.stringify(row)}`);
      first = false;
      if (reportRows.length < REPORT_ROWS) reportRows.push(row);
    }
    await entry.write('\n]\n');
  });
  await add('data/timeline.csv', async (entry) => {
    await entry.write(csvRow(TIMELINE_COLUMNS));
    for await (const row of timeline()) await entry.write(csvRow(TIMELINE_COLUMNS.map((c) => row[c])));
  });

  if (deps.accessLog && request.scope.patientPseudonyms.length) {
    const entries = deps.accessLog(request.scope.patientPseudonyms);
    await add('data/access-log.jsonl', async (entry) => {
      for await (const e of entries) await entry.write(`${JSON.stringify(e)}\n`);
    });
  }

  const streamCount = revisions.size;
  await add('data/completeness.json', async (entry) => {
    const list = [...revisions.entries()].map(([streamId, revs]) => ({
      streamId,
      events: revs.length,
      firstRevision: revs[0],
      lastRevision: revs[revs.length - 1],
      contiguous: revs.every((r, i) => r === i),
    }));
    await entry.write(
      JSON.stringify(
        {
          statement:
            'Every stream in scope is included from revision 0 up to the cut-off without gaps, and every included event is a leaf of the signed tree (proofs.jsonl).',
          cutoffPosition: cutoff,
          treeSize: head.treeSize,
          streams: list,
        },
        null,
        2,
      ),
    );
  });

  const meta: ReportMeta = {
    title: `Evidence bundle ${request.reference}`,
    reference: request.reference,
    requester: request.requester,
    producedAt: head.issuedAt,
    producedBy: request.producedBy,
    scope: request.scope,
    head,
    eventCount: included.length,
    streamCount,
  };
  await add('data/report.html', (entry) => entry.write(reportHtml(meta, reportRows, included.length > reportRows.length)));
  await add('data/report.pdf', async (entry) => {
    for await (const chunk of reportPdf(meta, reportRows)) await entry.write(chunk);
  });
  const publicKeyPem = (await deps.ledger.keysList()).find((k) => k.keyId === head.keyId)?.publicKeyPem;
  if (!publicKeyPem) throw new Error(`No public key for ledger key ${head.keyId}`);
  await add('data/checkpoint.json', (e) => e.write(treeHeadBytes(head)));
  await add('data/checkpoint.sig', (e) => e.write(Buffer.from(head.signature, 'base64')));
  await add('data/public-key.pem', (e) => e.write(publicKeyPem));
  await add('data/VERIFY.md', (e) => e.write(verifyMd(head)));

  onProgress({ phase: 'finishing', done: included.length, total: included.length });
  const tag = async (name: string, text: string) => {
    const entry = new Entry(name);
    zip.addReadStream(entry.stream, name, { mtime: new Date(head.issuedAt) });
    await entry.write(text);
    return [entry.end(), name, entry.bytes] as [string, string, number];
  };
  const payloadBytes = manifest.reduce((s, [, , b]) => s + b, 0);
  const tags = [
    await tag('bagit.txt', 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n'),
    await tag(
      'bag-info.txt',
      [
        'Source-Organization: oversight-registry',
        `Bagging-Date: ${head.issuedAt.slice(0, 10)}`,
        `External-Identifier: ${oneLine(request.reference)}`,
        `External-Description: Evidence bundle for disclosure request ${request.requestId}`,
        `Payload-Oxum: ${payloadBytes}.${manifest.length}`,
        `Disclosure-Request-Id: ${request.requestId}`,
        `Requester: ${oneLine(request.requester)}`,
        `Scope: ${oneLine(JSON.stringify(request.scope))}`,
        `Produced-By: ${oneLine(request.producedBy)}`,
        `Produced-At: ${head.issuedAt}`,
        `Tree-Size: ${head.treeSize}`,
        `Root-Hash: ${head.rootHash}`,
        `Event-Count: ${included.length}`,
        '',
      ].join('\n'),
    ),
    await tag('manifest-sha256.txt', manifest.map(([h, n]) => `${h}  ${n}\n`).join('')),
  ];
  await tag('tagmanifest-sha256.txt', tags.map(([h, n]) => `${h}  ${n}\n`).join(''));
  zip.end();
  await finished;
  return {
    treeSize: head.treeSize,
    rootHash: head.rootHash,
    eventCount: included.length,
    streamCount,
    byteSize,
    bundleSha256: whole.digest('hex'),
    head,
  };
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}
