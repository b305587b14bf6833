import type { EventEnvelope } from '@app/event-store';
import {
  canonicalJson,
  csvRow,
  eventRowHtml,
  EVENTS_TABLE_HEAD,
  isEncrypted,
  isWithheld,
  type PlaintextLine,
  REPORT_ROWS,
  shownText,
  TEXT_FIELDS,
  textsOf,
  TIMELINE_COLUMNS,
  timelineRow,
  withheldRow,
} from '@app/evidence';

const lines = (f: Map<string, Buffer>, name: string) =>
  f
    .get(name)!
    .toString()
    .trim()
    .split('\n')
    .filter((l) => l !== '');

/**
 * What a forger redoes after changing events.jsonl, so that only the rule under test can catch
 * the forgery: plaintexts.jsonl (each encrypted text given the opening the genuine bundle has for
 * its commitment, or for its place), then timeline.*, and report.html's events table derived
 * from them as VERIFY.md B.12 says.
 */
export async function rederive(f: Map<string, Buffer>, base: Map<string, Buffer>): Promise<void> {
  const openings = lines(base, 'data/plaintexts.jsonl').map((l) => JSON.parse(l) as PlaintextLine);
  const byPlace = new Map(openings.map((o) => [`${o.position}/${o.field}`, o]));
  const byCommitment = new Map<string, PlaintextLine>();
  for (const l of lines(base, 'data/events.jsonl')) {
    const e = JSON.parse(l) as EventEnvelope;
    if (isWithheld(e)) continue;
    for (const field of TEXT_FIELDS) {
      const v = e.data[field];
      const o = byPlace.get(`${e.globalPosition}/${field}`);
      if (isEncrypted(v) && v.commitment && o) byCommitment.set(v.commitment, o);
    }
  }
  const pt: string[] = [];
  const rows: ReturnType<typeof timelineRow>[] = [];
  for (const l of lines(f, 'data/events.jsonl')) {
    const e = JSON.parse(l) as EventEnvelope;
    if (isWithheld(e)) {
      rows.push(withheldRow(e));
      continue;
    }
    const texts = await textsOf(e, (field, v) => {
      const found = (v.commitment && byCommitment.get(v.commitment)) || byPlace.get(`${e.globalPosition}/${field}`);
      const o: PlaintextLine = found ? { ...found, field, position: e.globalPosition } : { field, position: e.globalPosition, withheld: 'erased' };
      pt.push(canonicalJson(o));
      return shownText(o);
    });
    rows.push(timelineRow(e, texts));
  }
  f.set('data/plaintexts.jsonl', Buffer.from(pt.map((l) => `${l}\n`).join('')));
  f.set('data/timeline.json', Buffer.from(`[\n${rows.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`));
  f.set('data/timeline.csv', Buffer.from([TIMELINE_COLUMNS, ...rows.map((r) => TIMELINE_COLUMNS.map((c) => r[c]))].map(csvRow).join('')));
  const html = f.get('data/report.html')!.toString().split('\n');
  const from = html.indexOf(EVENTS_TABLE_HEAD) + 2;
  const to = html.indexOf('</tbody></table>', from);
  html.splice(from, to - from, ...rows.slice(0, REPORT_ROWS).map(eventRowHtml));
  f.set('data/report.html', Buffer.from(html.join('\n')));
}
