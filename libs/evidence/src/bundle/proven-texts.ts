import { createHash, createHmac } from 'node:crypto';
import type { EventEnvelope } from '@app/event-store';
import { canonicalJson } from '../ledger/canonical-json';
import type { LineReader } from './bag-zip';
import { EVENTS_TABLE_HEAD, eventRowHtml, REPORT_ROWS } from './report-html';
import { isWithheld } from './redaction';
import {
  csvRow,
  type EncryptedTextLike,
  type PlaintextLine,
  shownText,
  TEXT_COMMITMENT,
  plainTextsOf,
  textsOf,
  TIMELINE_COLUMNS,
  timelineRow,
  withheldRow,
} from './timeline';

interface Problem {
  file?: string;
  line?: number;
  position?: number;
  problem: string;
}

/** How the texts of the proven events were shown (the verdict states them). */
export interface TextCounts {
  /** Opened against the commitment inside a recomputed leaf. */
  proven: number;
  /** Written before TEXT_COMMITMENT: shown marked not provable, the hospital's decryption. */
  notProvable: number;
  /** Shown as [erased] or [unreadable]: that the key is gone is the hospital's statement. */
  withheld: number;
}

const PLAINTEXTS = 'data/plaintexts.jsonl';
const UNPROVEN = `written before ${TEXT_COMMITMENT}`;
const HEX64 = /^[0-9a-f]{64}$/;

/** A plaintexts.jsonl line of exactly one of its three forms (VERIFY.md B.12), or why not. */
function parseOpened(text: string): PlaintextLine | string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return 'not valid JSON';
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o) || canonicalJson(o) !== text) return 'not a JSON object in canonical form';
  const keys = Object.keys(o).sort().join(',');
  if (typeof o.field !== 'string' || !Number.isSafeInteger(o.position)) return 'has no field and position';
  if (keys === 'field,position,salt,text' && typeof o.salt === 'string' && HEX64.test(o.salt) && typeof o.text === 'string') return o as PlaintextLine;
  if (keys === 'field,position,text,unproven' && o.unproven === UNPROVEN && typeof o.text === 'string') return o as PlaintextLine;
  if (keys === 'field,position,withheld' && (o.withheld === 'erased' || o.withheld === 'unreadable')) return o as PlaintextLine;
  return 'is none of {field, position, salt, text}, {field, position, text, unproven}, {field, position, withheld}';
}

/**
 * Provable plaintext (ADR 0036, VERIFY.md B.12): each encrypted text of a proven event is opened
 * against the commitment in its leaf by its line of plaintexts.jsonl (or marked not provable, or
 * withheld), and the timeline files and report.html's events table are derived here from the
 * proven events and those lines, never trusted: the derived bytes are hashed as they are made and
 * compared with the files' digests, so memory holds one row (and report.html's few thousand).
 */
export class ProvenTexts {
  readonly counts: TextCounts = { proven: 0, notProvable: 0, withheld: 0 };
  private readonly json = createHash('sha256');
  private readonly csv = createHash('sha256');
  private rows = 0;
  // Rows are hashed in chunks of about 64 KB: one native update per row cost ~0.3 s on 100,000 events.
  private jsonChunk = '';
  private csvChunk = '';
  private readonly reportRows: string[] = [];
  private pending: string | undefined;

  constructor(
    private readonly plaintexts: LineReader,
    private readonly problems: Problem[],
  ) {
    this.json.update('[\n');
    this.csv.update(csvRow(TIMELINE_COLUMNS));
  }

  /** One event of events.jsonl, in file order; `proven` when its leaf was recomputed (not redacted). */
  async event(e: EventEnvelope, proven: boolean): Promise<void> {
    if (isWithheld(e)) return this.row(withheldRow(e));
    const position = e.globalPosition;
    // An event without encrypted texts needs no await (most of a large bundle's rows).
    const texts =
      plainTextsOf(e) ??
      (await textsOf(e, async (field, v) => {
        const line = await this.take();
        const where = { file: PLAINTEXTS, line: this.plaintexts.n, position };
        if (line === undefined) {
          this.problems.push({ ...where, problem: `the ${field} text of the event at position ${position} has no line: it is neither opened nor withheld` });
          return '';
        }
        // The common line of an erased text, recognised by its bytes without a parse (100,000-event bundles).
        const head = `{"field":${JSON.stringify(field)},"position":${position},"withheld":"`;
        const opened =
          line.startsWith(head) && (line === `${head}erased"}` || line === `${head}unreadable"}`)
            ? ({ field, position, withheld: line.length === head.length + 8 ? 'erased' : 'unreadable' } as const)
            : parseOpened(line);
        if (typeof opened === 'string') {
          this.problems.push({ ...where, problem: opened });
          return '';
        }
        if (opened.position !== position || opened.field !== field) {
          this.problems.push({
            ...where,
            problem: `is for ${opened.field} at position ${opened.position}, where the ${field} text at position ${position} was due`,
          });
          return '';
        }
        const why = this.check(opened, v);
        if (why) this.problems.push({ ...where, problem: why });
        else if ('salt' in opened) this.counts.proven += proven ? 1 : 0;
        else if ('unproven' in opened) this.counts.notProvable++;
        else this.counts.withheld++;
        return shownText(opened);
      }));
    this.row(timelineRow(e, texts));
  }

  private row(row: ReturnType<typeof timelineRow>): void {
    this.jsonChunk += `${this.rows === 0 ? '' : ',\n'}${JSON.stringify(row)}`;
    this.csvChunk += csvRow(TIMELINE_COLUMNS.map((c) => row[c]));
    if (this.jsonChunk.length > 65_536) this.flush();
    if (this.reportRows.length < REPORT_ROWS) this.reportRows.push(eventRowHtml(row));
    this.rows++;
  }

  private flush(): void {
    this.json.update(this.jsonChunk);
    this.csv.update(this.csvChunk);
    this.jsonChunk = '';
    this.csvChunk = '';
  }

  private check(opened: PlaintextLine, v: EncryptedTextLike): string | undefined {
    const committed = typeof v.commitment === 'string';
    if ('salt' in opened) {
      if (!committed) return `opens a text that has no commitment (written before ${TEXT_COMMITMENT}): there is nothing to check it against`;
      const commitment = createHmac('sha256', Buffer.from(opened.salt, 'hex')).update(opened.text, 'utf8').digest('hex');
      if (commitment !== v.commitment)
        return `the text does not match its commitment in the event at position ${opened.position}: it is not the text that was recorded`;
    } else if ('unproven' in opened && committed) {
      return `marks a text not provable that has a commitment: a committed text is opened or withheld`;
    }
    return undefined;
  }

  private async take(): Promise<string | undefined> {
    const line = this.pending ?? this.plaintexts.ready() ?? (await this.plaintexts.next());
    this.pending = undefined;
    return line;
  }

  /** After the last event: nothing left over in plaintexts.jsonl, and the derived files equal the bundle's. */
  async finish(digests: Map<string, string>, report: LineReader): Promise<void> {
    if ((await this.take()) !== undefined)
      this.problems.push({ file: PLAINTEXTS, line: this.plaintexts.n, problem: 'opens a text that no event of events.jsonl holds' });
    digests.set(PLAINTEXTS, await this.plaintexts.sha256());
    this.flush();
    this.json.update('\n]\n');
    const derived: Array<[string, string]> = [
      ['data/timeline.json', this.json.digest('hex')],
      ['data/timeline.csv', this.csv.digest('hex')],
    ];
    for (const [file, digest] of derived) {
      if (digests.get(file) !== digest)
        this.problems.push({ file, problem: 'is not the timeline derived from the proven events and plaintexts.jsonl: it was edited' });
    }
    await this.checkReport(report);
    digests.set('data/report.html', await report.sha256());
  }

  /** report.html's events table: exactly one, its rows those derived for the first REPORT_ROWS events. */
  private async checkReport(report: LineReader): Promise<void> {
    const file = 'data/report.html';
    let tables = 0;
    for (let line = await report.next(); line !== undefined; line = await report.next()) {
      if (line !== EVENTS_TABLE_HEAD) continue;
      if (++tables > 1) break;
      if ((await report.next()) !== '<tbody>') {
        this.problems.push({ file, line: report.n, problem: 'the events table has no <tbody> line after its head' });
        return;
      }
      let k = 0;
      for (line = await report.next(); line !== undefined && line !== '</tbody></table>'; line = await report.next(), k++) {
        if (line !== this.reportRows[k]) {
          this.problems.push({
            file,
            line: report.n,
            problem:
              k < this.reportRows.length
                ? `row ${k + 1} of the events table is not the one derived from the proven event at its place: it was edited`
                : 'the events table has more rows than events',
          });
          return;
        }
      }
      if (k !== this.reportRows.length) {
        this.problems.push({ file, problem: `the events table has ${k} rows, the proven events give ${this.reportRows.length}` });
        return;
      }
    }
    if (tables !== 1) this.problems.push({ file, problem: 'has not exactly one events table with its rows (VERIFY.md B.12)' });
  }
}
