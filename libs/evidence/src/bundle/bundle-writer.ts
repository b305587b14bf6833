import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { EventEnvelope, EventStore } from '@app/event-store';
import { canonicalJson } from '../ledger/canonical-json';
import { PackedTree } from '../ledger/packed-tree';
import type { LedgerService } from '../ledger/ledger.service';
import { treeHeadBytes, type SignedTreeHead } from '../ledger/tree-head';
import type { LedgerAnchorService } from '../anchor/ledger-anchors.service';
import { anchorLine, ANCHORS_FILE, anchorsOfEachKind } from './anchors';
import { BUNDLE_STATEMENT, BUNDLE_STATEMENT_SIG, BUNDLE_STATEMENT_TEXT, BUNDLE_STATEMENT_VERSION, bundleStatementBytes } from './bundle-statement';
import { type RedactionRule, withhold } from './redaction';
import { formatTwoLine, formatTwoLineText } from './field-redaction';
import { leafFormatOf } from '../ledger/leaf';
import { committedPointers } from '../ledger/field-commitments';
import { REPORT_ROWS, ReportCollector, reportHtml, type ReportMeta } from './report-html';
import { reportPdf } from './report-pdf';
import { nextTurn } from '../next-turn';
import { type BundleScope, type ScopedStream, scopeCensus } from './scope';
import { COVERAGE_FILE, CoverageDeriver } from './coverage';
import {
  csvRow,
  plaintextLine,
  type PlaintextLine,
  plainTextsOf,
  type Reveal,
  shownText,
  textsOf,
  TIMELINE_COLUMNS,
  timelineRow,
  withheldRow,
} from './timeline';
import { verifyMd } from './verify-md';
import { BundleDocuments, DOCUMENTS_DIR } from './documents';
import { COMPLIANCE_FILE_JSON, COMPLIANCE_FILE_PDF, ComplianceFileDeriver } from './compliance-file';
import { complianceFilePdf } from './compliance-file-pdf';
import {
  ACCESS_LOG_ANCHOR_FILE,
  ACCESS_LOG_FILE,
  ACCESS_LOG_PROOFS_FILE,
  accessLogAnchorText,
  type AccessLogExample,
  accessLogProofLine,
  accessLogSubjectLine,
  ACCESS_LOG_SUBJECTS_FILE,
  type AnchoredAccessLog,
} from './access-log-proofs';
import './zip-crc';

export interface BundleRequest {
  requestId: string;
  reference: string;
  requester: string;
  scope: BundleScope;
  redactions: RedactionRule[];
  producedBy: string;
  /**
   * A compliance-file export (issue 23 item 7, ADR 0053): the file of this system as of `asOf`,
   * derived from the events shown into data/compliance-file.json (VERIFY.md B.18) and rendered as
   * data/compliance-file.pdf. The system must be in the scope, so that its streams are whole.
   */
  complianceFile?: { aiSystemId: string; asOf: string; systemName: string | null };
  /** bag-info's External-Description; default: the disclosure request's. */
  description?: string;
}

export interface BundleResult {
  treeSize: number;
  rootHash: string;
  eventCount: number;
  streamCount: number;
  byteSize: number;
  bundleSha256: string;
  head: SignedTreeHead;
  /** A compliance-file export's file, as written into the bundle (JSON for machines, PDF for people). */
  complianceFile?: { json: string; pdf: Buffer };
}

export interface BundleProgress {
  phase: 'sealing' | 'scoping' | 'events' | 'proofs' | 'timeline' | 'finishing';
  done: number;
  total: number;
}

/**
 * Events read from the log per page of the pass. Small on purpose: a page and its output text
 * are alive until written, and whatever is alive at a young-generation GC is copied (and soon
 * promoted, then marked by full GCs). 50 rather than 500 copies a third as much on 100k events
 * (ADR 0027), for more, cheaper reads.
 */
const PAGE = 50;
/**
 * Zip compression per file. Deflate at level 1 keeps most of the gain on JSON text at a fraction
 * of the default level's cost; already-compressed or random bytes (PDF, signature) are stored.
 */
const FAST = 1;
const STORED = 0;

/** Bytes written to a stream while their SHA-256 and size are taken; waits when the stream is full. */
class HashingWriter {
  private readonly hash = createHash('sha256');
  bytes = 0;

  constructor(
    readonly name: string,
    readonly stream: Writable,
  ) {}

  async write(chunk: string | Buffer): Promise<void> {
    if (chunk.length === 0) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.hash.update(buf);
    this.bytes += buf.length;
    if (!this.stream.write(buf)) await once(this.stream, 'drain');
  }

  async end(): Promise<[string, string, number]> {
    const finished = once(this.stream, 'finish');
    this.stream.end();
    await finished;
    return [this.hash.digest('hex'), this.name, this.bytes];
  }
}

/**
 * A page of output text as UTF-8 bytes, written line by line into a buffer outside the JS heap:
 * a page built as one string was flattened again by Buffer.from (a second copy of every line on
 * the heap, the export's largest garbage after sorting).
 */
class PageText {
  private buf = Buffer.allocUnsafe(1 << 16);
  private at = 0;

  add(text: string): void {
    // At most 3 bytes per UTF-16 unit: no byteLength pass.
    if (this.at + text.length * 3 > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + text.length * 3));
      this.buf.copy(bigger, 0, 0, this.at);
      this.buf = bigger;
    }
    this.at += this.buf.write(text, this.at);
  }

  line(text: string): void {
    this.add(text);
    this.add('\n');
  }

  get size(): number {
    return this.at;
  }

  /** The page so far, as a buffer of its own (the stream keeps it until written); this one is reused. */
  take(): Buffer {
    const page = Buffer.allocUnsafeSlow(this.at);
    this.buf.copy(page, 0, 0, this.at);
    this.at = 0;
    return page;
  }
}

/** Bytes a page buffer collects before it is written (PageText), and proof lines per write. */
const WRITE_BYTES = 1 << 18;
const PROOFS_PER_WRITE = 200;

/** Writes the page's text once it holds WRITE_BYTES (or whatever it holds, when `all`). */
function flushPage(w: HashingWriter, page: PageText, all: boolean): Promise<void> | undefined {
  return page.size > 0 && (all || page.size >= WRITE_BYTES) ? w.write(page.take()) : undefined;
}

/** What completeness.json states; docs/evidence.md says exactly what a verifier can check of it. */
const COMPLETENESS_STATEMENT =
  'Every stream below names a patient, AI system or incident of the scope (matchedBy) in the log up to the cut-off; this list of them is complete. ' +
  'Each stream marked included is in events.jsonl from revision 0 to its headRevision without gaps, and every event there is a leaf of the signed tree (proofs.jsonl). ' +
  'A stream not included has none of its events (business time) in the period of the scope.';

/**
 * proofs.jsonl, in RFC 8785 form (keys in code-unit order), written as bytes straight from the
 * tree's hex: a page of lines is one buffer outside the JS heap, with no string per hash. Written
 * page by page alongside the event pass, to a file of its own: the zip then compresses its
 * 100+ MB while the rest of the bundle is made, instead of the writer waiting on it.
 */
class ProofLines {
  /** The first line: VERIFY.md's worked example. */
  first: string | undefined;
  private readonly tails: [Buffer, Buffer];
  private readonly lineMax: number;

  constructor(
    private readonly w: HashingWriter,
    private readonly tree: PackedTree,
    private readonly positions: Float64Array,
    treeSize: number,
  ) {
    const tail = (r: boolean) => Buffer.from(`],"redacted":${r},"treeSize":${treeSize}}\n`, 'latin1');
    this.tails = [tail(false), tail(true)];
    this.lineMax = 80 + 2 * 20 + tree.maxProofJsonBytes + this.tails[1].length;
  }

  /** The lines of leaves[from..to), each redacted or not. */
  async write(leaves: LeafList, from: number, to: number, redacted: (leafIndex: number) => boolean): Promise<void> {
    if (to <= from) return;
    const page = Buffer.allocUnsafe((to - from) * this.lineMax);
    let at = 0;
    for (let k = from; k < to; k++) {
      const leafIndex = leaves.at(k);
      at += page.write('{"leafHash":"', at, 'latin1');
      at = this.tree.writeLeafHex(leafIndex, page, at);
      at += page.write(`","leafIndex":${leafIndex},"position":${this.positions[leafIndex]},"proof":[`, at, 'latin1');
      at = this.tree.writeInclusionProofJson(leafIndex, page, at);
      at += this.tails[redacted(leafIndex) ? 1 : 0].copy(page, at);
    }
    this.first ??= page.toString('latin1', 0, page.indexOf(0x0a));
    await this.w.write(page.subarray(0, at));
  }
}

/** A growing list of leaf indices (4 B each), instead of an array of numbers or of proof lines. */
class LeafList {
  private items = new Int32Array(1 << 12);
  length = 0;

  push(leafIndex: number): void {
    if (this.length === this.items.length) {
      const bigger = new Int32Array(this.items.length * 2);
      bigger.set(this.items);
      this.items = bigger;
    }
    this.items[this.length++] = leafIndex;
  }

  at(k: number): number {
    return this.items[k];
  }
}

/**
 * Writes a BagIt (RFC 8493) bundle as a zip to `out`, streaming, in two passes over the log: one
 * to decide which streams are in scope (a later event can bring a stream in), one that writes
 * every in-scope event once to events.jsonl and the timeline files together, noting its leaf
 * index and its proof. The zip takes one entry at a time, so the timeline files and proofs.jsonl
 * go to a temporary directory first and are copied in after it (compressed by the zip while the
 * rest is made). Memory holds the tree's hashes (64 B per leaf, outside the JS heap), 4 B per
 * included event, a few counters per stream and one page of output; the zip's own SHA-256 is
 * taken as it leaves.
 */
export async function writeBundle(
  deps: {
    store: EventStore;
    ledger: LedgerService;
    /** Opens each encrypted text for data/plaintexts.jsonl (ADR 0036). */
    reveal: Reveal;
    /**
     * NEN 7513 access-log entries about these patients, in log order, up to `throughSeq` when
     * given (included when given).
     */
    accessLog?: (pseudonyms: string[], throughSeq?: number) => AsyncIterable<{ seq: number }>;
    /**
     * Anchors the access log's current tree head in the event log (ADR 0047), before the tree head
     * is signed: the extract is then the entries it covers, each with its inclusion proof.
     */
    accessLogHead?: () => Promise<AnchoredAccessLog | null>;
    /** External anchors of earlier tree heads (ADR 0037): data/anchors.jsonl when any covers an event. */
    anchors?: Pick<LedgerAnchorService, 'anchorSummaries' | 'anchorsById'>;
    /** The stored content of a compliance-file document by its SHA-256 (the blob store), for data/documents/ (VERIFY.md B.16). */
    documentContent?: (sha256: string) => Promise<AsyncIterable<Buffer | string> | null>;
  },
  request: BundleRequest,
  out: Writable,
  onProgress: (p: BundleProgress) => void = () => undefined,
): Promise<BundleResult> {
  onProgress({ phase: 'sealing', done: 0, total: 1 });
  // The access-log head first, so that the tree head signed next seals its anchor event (B.17).
  const patients = request.scope.patientPseudonyms.length > 0;
  const accessHead = deps.accessLog && patients && deps.accessLogHead ? await deps.accessLogHead() : undefined;
  const head = await deps.ledger.checkpoint();
  const { tree, positions } = await sealedTree(deps.ledger, head.treeSize);
  const cutoff = positions.length ? positions[positions.length - 1] : 0;

  onProgress({ phase: 'scoping', done: 0, total: head.treeSize });
  // Counted in place on the census entries: one entry (and one id string) per stream, not two.
  const census = (await scopeCensus(deps.store, request.scope, cutoff)) as Map<string, CountedStream>;

  const tmp = mkdtempSync(join(tmpdir(), 'bundle-'));
  try {
    const zip = new ZipFile();
    const whole = createHash('sha256');
    let byteSize = 0;
    zip.outputStream.on('data', (c: Buffer) => {
      whole.update(c);
      byteSize += c.length;
    });
    zip.outputStream.pipe(out);
    const finished = once(out, 'finish');
    const mtime = new Date(head.issuedAt);
    const manifest: Array<[string, string, number]> = [];

    const zipEntry = (name: string, compressionLevel: number) => {
      const stream = new PassThrough();
      zip.addReadStream(stream, name, { mtime, compressionLevel });
      return new HashingWriter(name, stream);
    };
    // Every entry but events.jsonl is made in a file first: the zip compresses one entry at a time,
    // so an entry written to it directly would wait until the zip had compressed all before it.
    const spill = (name: string) => new HashingWriter(name, createWriteStream(join(tmp, name.replace(/\//g, '_'))));
    const addSpilled = (entry: [string, string, number], compressionLevel: number) => {
      const file = join(tmp, entry[1].replace(/\//g, '_'));
      zip.addReadStreamLazy(entry[1], { mtime, compressionLevel, size: entry[2] }, (cb) => cb(null, createReadStream(file)));
      manifest.push(entry);
    };
    const add = async (name: string, compressionLevel: number, produce: (w: HashingWriter) => Promise<void>) => {
      const w = spill(name);
      await produce(w);
      addSpilled(await w.end(), compressionLevel);
    };

    // The one pass: every in-scope event up to the cut-off, in global order, exactly as stored
    // (redactions marked), with its leaf index and its timeline row.
    const events = zipEntry('data/events.jsonl', FAST);
    const leaves = new LeafList();
    const redactedLeaves = new Set<number>();
    const isRedacted = (leafIndex: number) => redactedLeaves.has(leafIndex);
    const proofs = spill('data/proofs.jsonl');
    const proofLines = new ProofLines(proofs, tree, positions, head.treeSize);
    let proofsWritten = 0;
    const timelineJson = spill('data/timeline.json');
    const timelineCsv = spill('data/timeline.csv');
    const plaintexts = spill('data/plaintexts.jsonl');
    /** The first opened text: VERIFY.md's worked example of a commitment. */
    let firstOpened: { line: string; commitment: string } | undefined;
    await timelineJson.write('[\n');
    await timelineCsv.write(csvRow(TIMELINE_COLUMNS));
    const report = new ReportCollector(REPORT_ROWS);
    const coverage = new CoverageDeriver(head.issuedAt, request.scope.to);
    const documents = new BundleDocuments();
    const complianceFile = request.complianceFile ? new ComplianceFileDeriver(request.complianceFile.aiSystemId, request.complianceFile.asOf) : null;
    const rules = rulesByEvent(request.redactions);
    let streamCount = 0;
    let included = 0;
    /** The first event and its proof: VERIFY.md's worked example. */
    let firstEvent: string | undefined;
    let formatTwoExample: string | undefined;
    let exampleRedacts = false;
    let seedExample: string | undefined;
    let leafIndex = 0;
    let after = 0;
    const [ev, tj, tc, pt] = [new PageText(), new PageText(), new PageText(), new PageText()];
    while (after < cutoff) {
      const batch = await deps.store.readAll(after, PAGE, { raw: true });
      if (batch.length === 0) break;
      for (const stored of batch) {
        const position = stored.globalPosition;
        if (position > cutoff) break;
        const stream = census.get(stored.streamId);
        if (!stream?.included) continue;
        // Leaves are in position order: walk them alongside the log.
        while (leafIndex < positions.length && positions[leafIndex] < position) leafIndex++;
        if (positions[leafIndex] !== position) throw new Error(`event at position ${position} is not sealed in the ledger`);
        // Leaf format 2 (ADR 0039): each committed member opened with its salt, or redacted alone.
        // A format-1 event, or a rule outside the committed members, withholds the event whole
        // (VERIFY.md B.8): nothing of it reaches any file.
        const mine = rules.get(stored.eventId) ?? NO_RULES;
        // A format-2 event no rule touches is written in one pass, in the seed form
        // (formatTwoLineText, ADR 0043); its timeline row reads the stored event, whose values are the line's.
        const two = leafFormatOf(stored) === 2;
        const shown = mine.length ? (two ? formatTwoLine(stored, mine) : null) : stored;
        const withheld = shown === null ? withhold(stored, mine) : null;
        const redacted = withheld !== null || mine.length > 0;
        const line = withheld ? canonicalJson(withheld) : two && !mine.length ? formatTwoLineText(stored) : canonicalJson(shown);
        if (included === 0 && !withheld) firstEvent = line;
        // B.10a's example: the first format-2 line with a redacted member, else with an opened one.
        if (
          two &&
          !withheld &&
          (formatTwoExample === undefined || (!exampleRedacts && mine.length > 0)) &&
          committedPointers(stored.data, stored.metadata).length > 0
        ) {
          formatTwoExample = line;
          exampleRedacts = mine.length > 0;
        }
        // B.10b's: the first line in the seed form with committed members, when B.10a's has salts.
        if (two && !mine.length && seedExample === undefined && committedPointers(stored.data, stored.metadata).length > 0) seedExample = line;
        ev.line(line);
        leaves.push(leafIndex);
        if (redacted) redactedLeaves.add(leafIndex);
        // Each encrypted text opened (or said why not) in plaintexts.jsonl; the row shows exactly that.
        const event = shown as EventEnvelope | null;
        const texts = !event
          ? []
          : (plainTextsOf(event) ??
            (await textsOf(event, async (field, v) => {
              const opened: PlaintextLine = await plaintextLine(deps.reveal, position, field, v);
              const text = canonicalJson(opened);
              if (!firstOpened && !withheld && 'salt' in opened && v.commitment) firstOpened = { line: text, commitment: v.commitment };
              pt.line(text);
              return shownText(opened);
            })));
        const row = withheld ? withheldRow(withheld) : timelineRow(event!, texts);
        if (withheld) {
          coverage.withheldLine(stored.streamId);
          complianceFile?.withheldLine(stored.streamId);
        } else {
          coverage.event(event!);
          documents.event(event!);
          complianceFile?.event(event!);
        }
        if (included !== 0) tj.add(',\n');
        tj.add(JSON.stringify(row));
        tc.add(csvRow(TIMELINE_COLUMNS.map((c) => row[c])));
        report.add(row);
        if (stream.events) {
          stream.contiguous &&= stored.streamRevision === stream.lastRevision! + 1;
          stream.lastRevision = stored.streamRevision;
          stream.events++;
        } else {
          stream.events = 1;
          stream.firstRevision = stream.lastRevision = stored.streamRevision;
          stream.contiguous = stored.streamRevision === 0;
          streamCount++;
        }
        included++;
      }
      // Written in chunks of a few pages, not per page: each write wakes a thread of the pool.
      const proofsDue = leaves.length - proofsWritten >= PROOFS_PER_WRITE;
      await Promise.all([
        flushPage(events, ev, false),
        flushPage(timelineJson, tj, false),
        flushPage(timelineCsv, tc, false),
        flushPage(plaintexts, pt, false),
        proofsDue ? proofLines.write(leaves, proofsWritten, leaves.length, isRedacted) : undefined,
      ]);
      if (proofsDue) proofsWritten = leaves.length;
      onProgress({ phase: 'events', done: Math.min(batch[batch.length - 1].globalPosition, cutoff), total: cutoff });
      after = batch[batch.length - 1].globalPosition;
      await nextTurn();
    }
    await Promise.all([flushPage(events, ev, true), flushPage(timelineJson, tj, true), flushPage(timelineCsv, tc, true), flushPage(plaintexts, pt, true)]);
    await proofLines.write(leaves, proofsWritten, leaves.length, isRedacted);
    await timelineJson.write('\n]\n');
    manifest.push(await events.end());
    onProgress({ phase: 'proofs', done: 0, total: included });
    addSpilled(await proofs.end(), FAST);
    const firstProof = proofLines.first;
    // The anchors the bundle relies on, each with its RFC 9162 consistency proof to this head.
    // (A TSA's and the witnesses' apart, ADR 0054; by tree size, then kind.)
    const chosen = deps.anchors ? anchorsOfEachKind(await deps.anchors.anchorSummaries(head.treeSize), leaves.length, (k) => leaves.at(k), head.treeSize) : [];
    const order = new Map(chosen.map((a, i) => [a.anchorId, i]));
    const anchors = chosen.length
      ? (await deps.anchors!.anchorsById(chosen.map((a) => a.anchorId))).sort((x, y) => order.get(x.anchorId)! - order.get(y.anchorId)!)
      : [];
    if (anchors.length) await add(ANCHORS_FILE, FAST, (w) => w.write(anchors.map((a) => `${anchorLine(a, tree)}\n`).join('')));
    onProgress({ phase: 'finishing', done: included, total: included });
    addSpilled(await timelineJson.end(), FAST);
    addSpilled(await timelineCsv.end(), FAST);
    addSpilled(await plaintexts.end(), FAST);

    let accessExample: AccessLogExample | undefined;
    if (deps.accessLog && patients) {
      // With an anchored head: only the entries it covers, each with its proof (B.17). No head
      // (nothing left after a purge): no entry to show.
      const through = accessHead === undefined ? undefined : accessHead ? accessHead.head.afterSeq + accessHead.head.size : 0;
      const entries = deps.accessLog(request.scope.patientPseudonyms, through);
      const proofs = accessHead ? spill(ACCESS_LOG_PROOFS_FILE) : undefined;
      await add(ACCESS_LOG_FILE, FAST, async (w) => {
        for await (const e of entries) {
          const line = JSON.stringify(e);
          await w.write(`${line}\n`);
          if (!accessHead || !proofs) continue;
          const proofLine = accessLogProofLine(accessHead, e.seq);
          accessExample ??= { entryLine: line, proofLine, rootHash: accessHead.head.rootHash, anchorPosition: accessHead.position };
          await proofs.write(`${proofLine}\n`);
        }
      });
      if (accessHead && proofs) {
        addSpilled(await proofs.end(), FAST);
        const [stored] = await deps.store.readAll(accessHead.position - 1, 1, { raw: true });
        if (stored?.globalPosition !== accessHead.position) throw new Error(`The access-log anchor at position ${accessHead.position} cannot be read`);
        await add(ACCESS_LOG_ANCHOR_FILE, FAST, (w) => w.write(accessLogAnchorText(stored, { tree, positions, treeSize: head.treeSize })));
        // Each patient's leaf in the subject tree, or its absence (B.17, ADR 0050): a left-out entry fails.
        const { subjects } = accessHead;
        if (subjects) {
          const subjectLines = [...new Set(request.scope.patientPseudonyms)].map((p) => accessLogSubjectLine({ ...accessHead, subjects }, p));
          const text = subjectLines.map((l) => `${l}\n`).join('');
          if (accessExample) {
            const { dataSubject } = JSON.parse(accessExample.entryLine) as { dataSubject: string };
            accessExample.subjectLine = subjectLines.find((l) => (JSON.parse(l) as { dataSubject: string }).dataSubject === dataSubject);
            accessExample.subjectsRootHash = accessHead.head.subjects?.rootHash;
          }
          await add(ACCESS_LOG_SUBJECTS_FILE, FAST, (w) => w.write(text));
        }
      }
    }

    await add('data/completeness.json', FAST, async (w) => {
      await w.write(
        `{\n"statement": ${JSON.stringify(COMPLETENESS_STATEMENT)},\n"cutoffPosition": ${cutoff},\n"treeSize": ${head.treeSize},\n"scope": ${JSON.stringify(request.scope)},\n"streams": [\n`,
      );
      const page = new PageText();
      const matchedBy = new Map<string[], string>(); // census entries share their matchedBy arrays
      let n = 0;
      for (const s of census.values()) {
        if (n++ !== 0) page.add(',\n');
        let m = matchedBy.get(s.matchedBy);
        if (m === undefined) matchedBy.set(s.matchedBy, (m = JSON.stringify(s.matchedBy)));
        page.add(completenessEntryText(s, m));
        if (page.size > 1 << 16) await w.write(page.take());
      }
      page.add('\n]\n}\n');
      await w.write(page.take());
    });

    // Coverage of oversight (VERIFY.md B.15), derived from the events shown, as the verifiers derive it.
    const covered = coverage.bytes();
    await add(COVERAGE_FILE, FAST, (w) => w.write(covered.text));

    // The compliance file's documents that held in the period (VERIFY.md B.16), from the events shown.
    for (const sha256 of documents.required(request.scope).keys()) {
      const content = await deps.documentContent?.(sha256);
      if (!content) throw new Error(`Document ${sha256} held in the period but is not in the blob store: the bundle would be incomplete`);
      await add(`${DOCUMENTS_DIR}${sha256}`, STORED, async (w) => {
        for await (const chunk of content) await w.write(chunk);
      });
    }

    // The compliance file as of its moment (VERIFY.md B.18), derived from the events shown, as the verifier derives it.
    let complianceOut: BundleResult['complianceFile'];
    if (complianceFile) {
      if (complianceFile.withheld) throw new Error('An event of the compliance file is withheld: the file cannot be derived from the bundle');
      const derived = complianceFile.derive();
      if (!derived) throw new Error(`AI system ${complianceFile.aiSystemId} was not registered by ${complianceFile.asOf}`);
      const pdf: Buffer[] = [];
      for await (const chunk of complianceFilePdf(derived.value, head, request.complianceFile!.systemName)) pdf.push(chunk);
      complianceOut = { json: derived.text, pdf: Buffer.concat(pdf) };
      await add(COMPLIANCE_FILE_JSON, FAST, (w) => w.write(derived.text));
      await add(COMPLIANCE_FILE_PDF, STORED, (w) => w.write(complianceOut!.pdf));
    }

    const meta: ReportMeta = {
      title: `Evidence bundle ${request.reference}`,
      reference: request.reference,
      requester: request.requester,
      producedAt: head.issuedAt,
      producedBy: request.producedBy,
      scope: request.scope,
      head,
      eventCount: included,
      streamCount,
      coverage: covered.file,
    };
    await add('data/report.html', FAST, (w) => w.write(reportHtml(meta, report)));
    await add('data/report.pdf', STORED, async (w) => {
      for await (const chunk of reportPdf(meta, report)) await w.write(chunk);
    });
    const publicKeyPem = (await deps.ledger.keysList()).find((k) => k.keyId === head.keyId)?.publicKeyPem;
    if (!publicKeyPem) throw new Error(`No public key for ledger key ${head.keyId}`);
    await add('data/checkpoint.json', STORED, (w) => w.write(treeHeadBytes(head)));
    await add('data/checkpoint.sig', STORED, (w) => w.write(Buffer.from(head.signature, 'base64')));
    await add('data/public-key.pem', STORED, (w) => w.write(publicKeyPem));
    const example =
      firstEvent && firstProof
        ? {
            eventLine: firstEvent,
            proofLine: firstProof,
            opened: firstOpened,
            formatTwo: formatTwoExample,
            formatTwoSeed: exampleRedacts ? seedExample : undefined,
          }
        : undefined;
    await add('data/VERIFY.md', FAST, (w) => w.write(verifyMd(head, example, accessExample)));

    const tag = async (name: string, text: string | Buffer) => {
      const w = zipEntry(name, STORED);
      await w.write(text);
      return w.end();
    };
    const payloadBytes = manifest.reduce((s, [, , b]) => s + b, 0);
    const logPositions = deps.store.gapFreePositions === false ? 'sparse' : 'gap-free';
    // VERIFY.md B.14: every payload file's SHA-256 (taken as it was written: no second pass) and
    // the bag-info fields a verifier reads, signed with the key of the tree head.
    const statement = bundleStatementBytes({
      version: BUNDLE_STATEMENT_VERSION,
      statement: BUNDLE_STATEMENT_TEXT,
      checkpointSha256: createHash('sha256').update(treeHeadBytes(head)).digest('hex'),
      treeSize: head.treeSize,
      rootHash: head.rootHash,
      keyId: head.keyId,
      disclosureRequestId: request.requestId,
      scope: request.scope,
      logPositions,
      eventCount: included,
      payload: manifest.map(([sha256, path]) => ({ path, sha256 })),
    });
    const signed = deps.ledger.signStatement(statement);
    if (signed.keyId !== head.keyId)
      throw new Error(`The tree head is signed by key ${head.keyId}, the ledger now signs with ${signed.keyId}: export again once a new head is signed`);
    const tags = [
      await tag('bagit.txt', 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n'),
      await tag(
        'bag-info.txt',
        [
          'Source-Organization: oversight-registry',
          `Bagging-Date: ${head.issuedAt.slice(0, 10)}`,
          `External-Identifier: ${oneLine(request.reference)}`,
          `External-Description: ${oneLine(request.description ?? `Evidence bundle for disclosure request ${request.requestId}`)}`,
          `Payload-Oxum: ${payloadBytes}.${manifest.length}`,
          `Disclosure-Request-Id: ${request.requestId}`,
          `Requester: ${oneLine(request.requester)}`,
          `Scope: ${oneLine(JSON.stringify(request.scope))}`,
          `Produced-By: ${oneLine(request.producedBy)}`,
          `Produced-At: ${head.issuedAt}`,
          `Tree-Size: ${head.treeSize}`,
          `Root-Hash: ${head.rootHash}`,
          `Event-Count: ${included}`,
          // VERIFY.md: on a gap-free log (SQL stores) leaf index = position − 1; KurrentDB's are sparse.
          `Log-Positions: ${logPositions}`,
          '',
        ].join('\n'),
      ),
      await tag('manifest-sha256.txt', manifest.map(([h, n]) => `${h}  ${n}\n`).join('')),
      await tag(BUNDLE_STATEMENT, statement),
      await tag(BUNDLE_STATEMENT_SIG, signed.signature),
    ];
    await tag('tagmanifest-sha256.txt', tags.map(([h, n]) => `${h}  ${n}\n`).join(''));
    zip.end();
    await finished;
    return {
      treeSize: head.treeSize,
      rootHash: head.rootHash,
      eventCount: included,
      streamCount,
      byteSize,
      bundleSha256: whole.digest('hex'),
      head,
      ...(complianceOut ? { complianceFile: complianceOut } : {}),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A census entry with what the pass counted of the stream (when it was included), in place. */
interface CountedStream extends ScopedStream {
  events?: number;
  firstRevision?: number;
  lastRevision?: number;
  contiguous?: boolean;
}

/**
 * A stream's line of completeness.json: the census entry, then what the bundle holds of it; the
 * JSON.stringify of that object, written out (73k streams in a 100k export; `matchedBy` given as its JSON).
 */
function completenessEntryText(s: CountedStream, matchedBy: string): string {
  const listed = `{"streamId":${JSON.stringify(s.streamId)},"firstAt":${JSON.stringify(s.firstAt)},"headRevision":${s.headRevision},"matchedBy":${matchedBy},"included":${s.included}`;
  if (!s.events) return `${listed}}`;
  const contiguous = !!s.contiguous && s.lastRevision === s.headRevision;
  return `${listed},"events":${s.events},"firstRevision":${s.firstRevision},"lastRevision":${s.lastRevision},"contiguous":${contiguous}}`;
}

const NO_RULES: RedactionRule[] = [];

/** Redaction rules by event id: looked up per event instead of filtering every rule each time. */
function rulesByEvent(rules: RedactionRule[]): Map<string, RedactionRule[]> {
  const byEvent = new Map<string, RedactionRule[]>();
  for (const r of rules) {
    const mine = byEvent.get(r.eventId);
    if (mine) mine.push(r);
    else byEvent.set(r.eventId, [r]);
  }
  return byEvent;
}

/** The sealed tree of the head as hashes only, and the log position of each leaf. */
async function sealedTree(ledger: LedgerService, size: number): Promise<{ tree: PackedTree; positions: Float64Array }> {
  const { hashes, positions } = await ledger.packedLeaves(size);
  return { tree: PackedTree.fromPacked(hashes, size), positions };
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}
