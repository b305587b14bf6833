import type { SignedTreeHead } from '../ledger/tree-head';
import type { CoverageFile } from './coverage';
import type { BundleScope } from './scope';
import { asText } from './text';
import type { TimelineEntry } from './timeline';

/** HTML-escaped text; line breaks as character references, so a table row stays on one line (VERIFY.md B.12). */
export const esc = (s: unknown): string =>
  asText(s).replace(/[&<>"'\n\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '\n': '&#10;', '\r': '&#13;' })[c]!);

/** Rows kept for the human reports; the data files always hold every event. */
export const REPORT_ROWS = 2000;

/** The header line of report.html's events table: its rows follow, one per line, after `<tbody>`. */
export const EVENTS_TABLE_HEAD =
  '<table><thead><tr><th>#</th><th>Occurred / Gebeurd</th><th>Recorded / Geregistreerd</th><th>What / Wat</th><th>Who / Wie</th><th>Patient</th><th>Decision / Besluit</th><th>Text / Toelichting</th></tr></thead>';

/** One event's row of report.html's events table, on one line: a verifier derives it from the proven event. */
export function eventRowHtml(e: TimelineEntry): string {
  return `<tr${e.late ? ' class="late"' : ''}><td>${e.position}</td><td>${esc(e.occurredAt)}</td><td>${esc(e.recordedAt)}</td><td>${esc(e.label)}<br><small>${esc(e.labelNl)}</small></td><td>${esc(e.actor)}<br><small>${esc(e.role)}</small></td><td>${esc(e.patient ?? '')}</td><td>${esc(e.decision ?? '')}</td><td>${esc(e.text ?? '')}</td></tr>`;
}

/** Per AI system, incident or patient: how many events, from when to when, how many recorded late. */
export interface ReportGroup {
  kind: 'aiSystem' | 'incident' | 'patient';
  key: string;
  events: number;
  first: string;
  last: string;
  late: number;
}

const GROUP_LABELS: Record<ReportGroup['kind'], string> = {
  aiSystem: 'AI system / AI-systeem',
  incident: 'Incident',
  patient: 'Patient (pseudonym) / Patiënt (pseudoniem)',
};

/** Groups shown per kind in the reports (the largest first); the data files hold everything. */
export const REPORT_GROUPS = 100;

/**
 * What the human reports show, gathered in the export's one pass with bounded memory: a summary
 * per AI system, incident and patient over every event, and the first `rowLimit` events in full.
 * A bundle of a hundred thousand events gets a readable summary rather than thousands of pages.
 */
export class ReportCollector {
  readonly rows: TimelineEntry[] = [];
  truncated = false;
  private readonly groups = new Map<string, ReportGroup>();

  constructor(private readonly rowLimit: number) {}

  add(row: TimelineEntry): void {
    if (this.rows.length < this.rowLimit) this.rows.push(row);
    else this.truncated = true;
    this.count('aiSystem', row.aiSystem, row);
    this.count('incident', row.incident, row);
    this.count('patient', row.patient, row);
  }

  private count(kind: ReportGroup['kind'], key: string | null, row: TimelineEntry): void {
    if (!key) return;
    const id = `${kind}:${key}`;
    const g = this.groups.get(id);
    if (!g) {
      this.groups.set(id, { kind, key, events: 1, first: row.occurredAt, last: row.occurredAt, late: row.late ? 1 : 0 });
      return;
    }
    g.events++;
    if (row.occurredAt < g.first) g.first = row.occurredAt;
    if (row.occurredAt > g.last) g.last = row.occurredAt;
    if (row.late) g.late++;
  }

  /** The largest groups of each kind, and how many there are in all. */
  summary(): { shown: ReportGroup[]; total: Record<ReportGroup['kind'], number> } {
    const total = { aiSystem: 0, incident: 0, patient: 0 };
    const byKind: Record<ReportGroup['kind'], ReportGroup[]> = { aiSystem: [], incident: [], patient: [] };
    for (const g of this.groups.values()) {
      total[g.kind]++;
      byKind[g.kind].push(g);
    }
    const shown = (['aiSystem', 'incident', 'patient'] as const).flatMap((k) =>
      byKind[k].sort((a, b) => b.events - a.events || a.key.localeCompare(b.key)).slice(0, REPORT_GROUPS),
    );
    return { shown, total };
  }
}

export function groupLabel(kind: ReportGroup['kind']): string {
  return GROUP_LABELS[kind];
}

export interface ReportMeta {
  title: string;
  reference: string;
  requester: string;
  producedAt: string;
  producedBy: string;
  scope: BundleScope;
  head: SignedTreeHead;
  eventCount: number;
  streamCount: number;
  /** Coverage of oversight, as data/coverage.json holds it (VERIFY.md B.15). */
  coverage: CoverageFile;
}

/** A coverage figure for people: one line per AI system and model version (both reports). */
export function coverageLine(g: CoverageFile['systems'][number]): string {
  const time = g.reviewed ? `; time to review median ${g.medianMinutesToReview} min, p90 ${g.p90MinutesToReview} min` : '';
  const overdue = g.overdue === null ? 'overdue not known (no review limit of the system in the bundle)' : `${g.overdue} overdue (limit ${g.limitMinutes} min)`;
  return `${g.produced} produced, ${g.reviewed} reviewed, ${g.unreviewed} not reviewed, ${g.overridden} overridden, ${overdue}${time}`;
}

/** The coverage section of report.html: the figures per system and version, not the rows (coverage.json holds them). */
function coverageHtml(c: CoverageFile): string {
  if (c.systems.length === 0) return '';
  const rows = c.systems
    .map(
      (g) =>
        `<tr><td><code>${esc(g.aiSystemId)}</code></td><td>${esc(g.modelVersion)}</td><td>${g.produced}</td><td>${g.reviewed}</td><td>${g.unreviewed}</td><td>${g.overridden}</td><td>${esc(g.medianMinutesToReview ?? '—')}</td><td>${esc(g.p90MinutesToReview ?? '—')}</td><td>${g.overdue === null ? '—' : `${g.overdue} (${g.limitMinutes} min)`}</td></tr>`,
    )
    .join('\n');
  const wards = c.wards
    .map(
      (w) =>
        `<tr><td><code>${esc(w.aiSystemId)}</code></td><td>${esc(w.ward ?? '—')}</td><td>${w.produced}</td><td>${w.reviewed}</td><td>${w.unreviewed}</td><td>${w.overridden}</td><td>${esc(w.overdue ?? '—')}</td></tr>`,
    )
    .join('\n');
  return `<h2>Coverage of oversight / Dekking van menselijk toezicht</h2>
<p>AI outputs received by feed in this bundle, and whether a person reviewed them, as of ${esc(c.asOf)}. coverage.json holds one row per output
(reviewed by whom, when, how quickly, or not); both verifiers derive it from the proven events.${c.withheldEvents ? ` ${c.withheldEvents} withheld event(s) are not counted: a withheld review leaves its output shown as not reviewed.` : ''}</p>
<table><thead><tr><th>AI system / AI-systeem</th><th>Version / Versie</th><th>Produced / Geproduceerd</th><th>Reviewed / Beoordeeld</th><th>Not reviewed / Niet beoordeeld</th><th>Overridden / Verworpen of aangepast</th><th>Median minutes to review / Mediaan minuten</th><th>p90 minutes / p90 minuten</th><th>Overdue (limit) / Te laat (termijn)</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p>Per ward / Per afdeling. Overdue: not reviewed and waiting longer than the system's review limit as of ${esc(c.asOf)}; — when the bundle holds no limit of the system (the registry default is configuration, not an event).</p>
<table><thead><tr><th>AI system / AI-systeem</th><th>Ward / Afdeling</th><th>Produced / Geproduceerd</th><th>Reviewed / Beoordeeld</th><th>Not reviewed / Niet beoordeeld</th><th>Overridden / Verworpen of aangepast</th><th>Overdue / Te laat</th></tr></thead>
<tbody>
${wards}
</tbody></table>
`;
}

/** A picture of when things happened: one row per stream, a dot per event (late entries in red). */
function timelineSvg(entries: TimelineEntry[]): string {
  if (entries.length === 0) return '';
  const times = entries.map((e) => Date.parse(e.occurredAt)).filter(Number.isFinite);
  const min = Math.min(...times);
  const max = Math.max(...times, min + 1);
  const streams = [...new Set(entries.map((e) => e.streamId))].slice(0, 40);
  const width = 900;
  const rowH = 14;
  const left = 230;
  const height = streams.length * rowH + 40;
  const x = (t: number) => left + ((t - min) / (max - min)) * (width - left - 20);
  const rows = streams
    .map((s, i) => {
      const y = 20 + i * rowH;
      const dots = entries
        .filter((e) => e.streamId === s)
        .map(
          (e) =>
            `<circle cx="${x(Date.parse(e.occurredAt)).toFixed(1)}" cy="${y}" r="4" fill="${e.late ? '#b00020' : '#1f4e79'}"><title>${esc(e.label)} — ${esc(e.occurredAt)}</title></circle>`,
        )
        .join('');
      return `<text x="4" y="${y + 4}" font-size="10">${esc(s.length > 38 ? `${s.slice(0, 36)}…` : s)}</text><line x1="${left}" y1="${y}" x2="${width - 20}" y2="${y}" stroke="#ddd"/>${dots}`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="Timeline / Tijdlijn">${rows}
<text x="${left}" y="${height - 6}" font-size="10">${esc(new Date(min).toISOString())}</text>
<text x="${width - 20}" y="${height - 6}" font-size="10" text-anchor="end">${esc(new Date(max).toISOString())}</text></svg>`;
}

/** Self-contained, printable report for people (English and Dutch labels); everything escaped. */
export function reportHtml(meta: ReportMeta, report: ReportCollector): string {
  const scope = meta.scope;
  const entries = report.rows;
  const { shown, total } = report.summary();
  const summary = shown
    .map(
      (g) =>
        `<tr><td>${esc(groupLabel(g.kind))}</td><td><code>${esc(g.key)}</code></td><td>${g.events}</td><td>${esc(g.first)}</td><td>${esc(g.last)}</td><td>${g.late}</td></tr>`,
    )
    .join('\n');
  const hidden = (Object.keys(total) as Array<ReportGroup['kind']>).filter((k) => total[k] > REPORT_GROUPS);
  const rows = entries.map(eventRowHtml).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(meta.title)}</title>
<style>body{font-family:system-ui,Arial,sans-serif;margin:2em;color:#111}table{border-collapse:collapse;width:100%;font-size:12px}
th,td{border:1px solid #bbb;padding:3px 5px;vertical-align:top}th{background:#eef}tr.late td{background:#fff3f3}
small{color:#555}dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}@media print{a{color:#000}}</style></head>
<body><h1>${esc(meta.title)}</h1>
<p>Evidence bundle / Bewijspakket — produced by oversight-registry. Each row is one recorded event; <em>occurred</em> is when it happened
(bedrijfstijd), <em>recorded</em> when the registry learned it (registratietijd). Rows in red were recorded more than an hour late.</p>
<dl><dt>Reference / Kenmerk</dt><dd>${esc(meta.reference)}</dd><dt>Requested by / Verzoeker</dt><dd>${esc(meta.requester)}</dd>
<dt>Produced / Aangemaakt</dt><dd>${esc(meta.producedAt)} by ${esc(meta.producedBy)}</dd>
<dt>Patients / Patiënten</dt><dd>${esc(scope.patientPseudonyms.join(', ') || '—')}</dd>
<dt>AI systems / AI-systemen</dt><dd>${esc(scope.aiSystemIds.join(', ') || '—')}</dd>
<dt>Incidents</dt><dd>${esc(scope.incidentIds.join(', ') || '—')}</dd>
<dt>Period / Periode</dt><dd>${esc(scope.from ?? '…')} – ${esc(scope.to ?? '…')}</dd>
<dt>Events / Gebeurtenissen</dt><dd>${meta.eventCount} in ${meta.streamCount} streams</dd>
<dt>Signed tree head</dt><dd>size ${meta.head.treeSize}, root <code>${esc(meta.head.rootHash)}</code>, key <code>${esc(meta.head.keyId)}</code>, ${esc(meta.head.issuedAt)}</dd></dl>
<h2>Summary / Samenvatting</h2>
<table><thead><tr><th>Kind / Soort</th><th>Id</th><th>Events / Gebeurtenissen</th><th>First occurred / Eerste</th><th>Last occurred / Laatste</th><th>Recorded late / Te laat geregistreerd</th></tr></thead>
<tbody>
${summary}
</tbody></table>
${hidden.length ? `<p>Only the ${REPORT_GROUPS} largest of ${hidden.map((k) => `${total[k]} ${esc(groupLabel(k))}`).join(', ')} are listed; timeline.csv holds all.</p>` : ''}
${coverageHtml(meta.coverage)}<h2>Timeline / Tijdlijn</h2>${timelineSvg(entries)}
<h2>Events / Gebeurtenissen</h2>${report.truncated ? `<p><strong>Only the first ${entries.length} of ${meta.eventCount} events are shown here; timeline.csv and timeline.json hold every event.</strong></p>` : ''}
${EVENTS_TABLE_HEAD}
<tbody>
${rows}
</tbody></table>
<p>How to check this bundle yourself: see VERIFY.md.</p></body></html>
`;
}
