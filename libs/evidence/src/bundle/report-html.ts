import type { SignedTreeHead } from '../ledger/tree-head';
import type { BundleScope } from './scope';
import type { TimelineEntry } from './timeline';

export const esc = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

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
        .map((e) => `<circle cx="${x(Date.parse(e.occurredAt)).toFixed(1)}" cy="${y}" r="4" fill="${e.late ? '#b00020' : '#1f4e79'}"><title>${esc(e.label)} — ${esc(e.occurredAt)}</title></circle>`)
        .join('');
      return `<text x="4" y="${y + 4}" font-size="10">${esc(s.length > 38 ? `${s.slice(0, 36)}…` : s)}</text><line x1="${left}" y1="${y}" x2="${width - 20}" y2="${y}" stroke="#ddd"/>${dots}`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="Timeline / Tijdlijn">${rows}
<text x="${left}" y="${height - 6}" font-size="10">${esc(new Date(min).toISOString())}</text>
<text x="${width - 20}" y="${height - 6}" font-size="10" text-anchor="end">${esc(new Date(max).toISOString())}</text></svg>`;
}

/** Self-contained, printable report for people (English and Dutch labels); everything escaped. */
export function reportHtml(meta: ReportMeta, entries: TimelineEntry[], truncated: boolean): string {
  const scope = meta.scope;
  const rows = entries
    .map(
      (e) => `<tr${e.late ? ' class="late"' : ''}><td>${e.position}</td><td>${esc(e.occurredAt)}</td><td>${esc(e.recordedAt)}</td><td>${esc(e.label)}<br><small>${esc(e.labelNl)}</small></td><td>${esc(e.actor)}<br><small>${esc(e.role)}</small></td><td>${esc(e.patient ?? '')}</td><td>${esc(e.decision ?? '')}</td><td>${esc(e.text ?? '')}</td></tr>`,
    )
    .join('\n');
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
<h2>Timeline / Tijdlijn</h2>${timelineSvg(entries)}
<h2>Events / Gebeurtenissen</h2>${truncated ? '<p><strong>Only the first rows are shown here; timeline.csv and timeline.json hold every event.</strong></p>' : ''}
<table><thead><tr><th>#</th><th>Occurred / Gebeurd</th><th>Recorded / Geregistreerd</th><th>What / Wat</th><th>Who / Wie</th><th>Patient</th><th>Decision / Besluit</th><th>Text / Toelichting</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p>How to check this bundle yourself: see VERIFY.md.</p></body></html>
`;
}
