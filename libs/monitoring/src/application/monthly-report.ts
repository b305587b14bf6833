import { DateTime } from 'luxon';
import PDFDocument from 'pdfkit';
import type { FiguresRow, MonitoringAnswer } from '../contract';
import type { Figures } from '../domain';

/** Months are the hospital's (Europe/Amsterdam): a review decided at 00:30 on the 1st belongs to that month. */
const ZONE = 'Europe/Amsterdam';

/** The instants a month `YYYY-MM` spans in the hospital's time zone, or null when it is not such a month. */
export function monthSpan(month: string): { from: string; to: string } | null {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) return null;
  const start = DateTime.fromISO(`${month}-01T00:00:00`, { zone: ZONE });
  if (!start.isValid) return null;
  return { from: start.toUTC().toISO(), to: start.plus({ months: 1 }).toUTC().toISO() };
}

const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(1)} %`);
// eslint-disable-next-line no-control-regex -- tab, LF and CR are the controls PDF text may keep
const latin1 = (s: string) => s.replace(/[^\x09\x0a\x0d\x20-\x7e\xa0-\xff]/g, '?');

function figureLines(f: Figures): string[] {
  return [
    `Confirmed outcomes: ${f.outcomes}; the AI agreed in ${f.agreed} (agreement ${pct(f.agreement)})`,
    `Findings: TP ${f.findings.truePositive}, FP ${f.findings.falsePositive}, TN ${f.findings.trueNegative}, FN ${f.findings.falseNegative}; sensitivity ${pct(f.sensitivity)}, specificity ${pct(f.specificity)}`,
    `Reviews: ${f.reviews}; overridden ${f.overridden} (override rate ${pct(f.overrideRate)})`,
    `Acceptances: ${f.accepted}; very fast ${f.fastAcceptances} (${pct(f.fastAcceptanceRate)}); median time to decision ${f.medianDecisionSeconds === null ? '-' : `${f.medianDecisionSeconds} s`}`,
  ];
}

/**
 * The monthly monitoring report of one AI system (issue 23 item 6) for people: the same figures as
 * `GET /ai-systems/{id}/monitoring` over one month, by version, ward and reviewer, the thresholds
 * and the alerts raised in the month. English with Dutch headings, like the bundle's report.
 */
export function monthlyReportPdf(month: string, systemName: string | null, answer: MonitoringAnswer, generatedAt: string): AsyncIterable<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    // A few pages of text: left uncompressed so any PDF tool (or grep) reads the figures as written.
    compress: false,
    info: {
      Title: latin1(`Monitoring report ${systemName ?? answer.aiSystemId} ${month}`),
      Producer: 'oversight-registry',
      CreationDate: new Date(generatedAt),
    },
  });
  const h = (s: string) => doc.moveDown(0.6).font('Helvetica-Bold').fontSize(12).text(latin1(s)).font('Helvetica').fontSize(9);
  const text = (s: string) => doc.text(latin1(s));
  const rows = (title: string, list: FiguresRow[], label: string) => {
    h(title);
    if (!list.length) text('None / Geen');
    for (const r of list) {
      doc
        .font('Helvetica-Bold')
        .text(latin1(`${label} ${r.key ?? '(not given)'}`))
        .font('Helvetica');
      for (const l of figureLines(r.figures)) text(`  ${l}`);
    }
  };
  doc
    .font('Helvetica-Bold')
    .fontSize(16)
    .text(latin1(`Monitoring report / Monitoringsrapport ${month}: ${systemName ?? answer.aiSystemId}`));
  doc.moveDown(0.3).font('Helvetica').fontSize(9);
  text(`AI system / AI-systeem: ${answer.aiSystemId}`);
  text(`Period / Periode: ${answer.from} up to / tot ${answer.to} (${month}, Europe/Amsterdam)`);
  text(`Generated / Gemaakt: ${generatedAt}. Very fast acceptance: within ${answer.fastAcceptanceSeconds} s of seeing the output.`);
  h('Overall / Totaal');
  for (const l of figureLines(answer.overall)) text(l);
  rows('By model version / Per modelversie', answer.byVersion, 'Version');
  rows('By ward / Per afdeling', answer.byWard, 'Ward');
  rows('By reviewer / Per beoordelaar (reviews only)', answer.byReviewer, 'Reviewer');
  h('Thresholds / Drempels');
  const t = answer.thresholds;
  if (!t) text('None set / Niet ingesteld');
  else {
    const limits = Object.entries(t.limits)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k} ${pct(v as number)}`);
    text(`${limits.join('; ') || 'none watched'}; window ${t.windowDays} days, at least ${t.minSample} cases`);
  }
  h('Alerts raised in the month / Signalen in de maand');
  const inMonth = answer.alerts.filter((a) => a.breachedAt >= answer.from! && a.breachedAt < answer.to!);
  if (!inMonth.length) text('None / Geen');
  for (const a of inMonth) {
    text(
      `#${a.alertNo} ${a.breachedAt}: ${a.metric} ${pct(a.value)} against ${pct(a.threshold)} on ${a.sample} cases; ${a.status}${a.incidentId ? ` (incident ${a.incidentId})` : ''}${a.recovered ? ', since back within' : ''}`,
    );
  }
  h('Basis / Grondslag');
  text(
    'AI Act Art. 26(5): deployers monitor the operation of the high-risk AI system on the basis of the instructions for use; Art. 72 for a hospital that is the provider. ' +
      'What counts as agreement, a finding and a very fast acceptance is the quality manager’s judgement (ADR 0052). The events behind these figures are in the registry’s ledger-sealed log and in evidence bundles that scope the system.',
  );
  doc.end();
  return doc;
}
