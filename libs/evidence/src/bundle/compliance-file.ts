import PDFDocument from 'pdfkit';
import { complianceViewFromEvents, type ComplianceView } from '@app/compliance';
import type { EventEnvelope } from '@app/event-store';
import { canonicalJson } from '../ledger/canonical-json';
import type { SignedTreeHead } from '../ledger/tree-head';
import { asText } from './text';

/**
 * The compliance file of one AI system as of a moment, in a bundle (issue 23 item 7, ADR 0053,
 * VERIFY.md B.18). The JSON is derived from the bundle's own proven events (the system's stream
 * and its file's stream, those recorded by `asOf`) by the writer and again by the verifier, which
 * compares bytes: like the timeline and coverage, never trusted as given. The PDF is for people.
 */
export const COMPLIANCE_FILE_JSON = 'data/compliance-file.json';
export const COMPLIANCE_FILE_PDF = 'data/compliance-file.pdf';

const STATEMENT =
  'The compliance file of this AI system as the registry knew it at asOf: folded from the events of ai-system-<id> and compliance-file-<id> in data/events.jsonl recorded at or before asOf (VERIFY.md B.18).';

export interface ComplianceFileExport {
  statement: string;
  aiSystemId: string;
  asOf: string;
  file: ComplianceView;
}

/** Collects the two streams' shown events during the bundle's one pass, then derives the file. */
export class ComplianceFileDeriver {
  private readonly systemEvents: EventEnvelope[] = [];
  private readonly fileEvents: EventEnvelope[] = [];
  /** A line of either stream withheld (B.8): the file cannot be derived from what is shown. */
  withheld = false;

  constructor(
    readonly aiSystemId: string,
    readonly asOf: string,
  ) {}

  event(e: EventEnvelope): void {
    if (e.streamId === `ai-system-${this.aiSystemId}`) this.systemEvents.push(e);
    else if (e.streamId === `compliance-file-${this.aiSystemId}`) this.fileEvents.push(e);
  }

  withheldLine(streamId: string): void {
    if (streamId === `ai-system-${this.aiSystemId}` || streamId === `compliance-file-${this.aiSystemId}`) this.withheld = true;
  }

  /** The file's JSON text, or null when the system was not registered by `asOf`. */
  derive(): { text: string; value: ComplianceFileExport } | null {
    const file = complianceViewFromEvents(this.aiSystemId, this.systemEvents, this.fileEvents, this.asOf);
    if (!file) return null;
    const value: ComplianceFileExport = { statement: STATEMENT, aiSystemId: this.aiSystemId, asOf: this.asOf, file };
    // RFC 8785 form: the writer's stored events and the verifier's canonical lines differ in key order only.
    return { text: `${canonicalJson(value)}\n`, value };
  }
}

/** A problem as the verifier reports it (its own type is not imported: no cycle between files). */
type Problems = Array<{ file?: string; problem: string }>;

/** The verifier's side: which system and moment the bundle's file claims, read before the events. */
export function claimedComplianceFile(text: string, aiSystemIds: readonly string[], problems: Problems): ComplianceFileDeriver | null {
  try {
    const v = JSON.parse(text) as Partial<ComplianceFileExport> | null;
    if (typeof v?.aiSystemId !== 'string' || typeof v.asOf !== 'string' || Number.isNaN(Date.parse(v.asOf))) {
      problems.push({ file: COMPLIANCE_FILE_JSON, problem: 'does not name the AI system (aiSystemId) and the moment (asOf) of the file' });
      return null;
    }
    if (!aiSystemIds.includes(v.aiSystemId)) {
      problems.push({ file: COMPLIANCE_FILE_JSON, problem: `AI system ${v.aiSystemId} is not in the scope: its streams need not be whole here` });
      return null;
    }
    return new ComplianceFileDeriver(v.aiSystemId, v.asOf);
  } catch {
    problems.push({ file: COMPLIANCE_FILE_JSON, problem: 'not valid JSON' });
    return null;
  }
}

/** After the pass: the file derived from the proven events must be the bundle's, byte for byte. */
export function checkComplianceFile(deriver: ComplianceFileDeriver, text: string, problems: Problems): void {
  if (deriver.withheld) {
    problems.push({ file: COMPLIANCE_FILE_JSON, problem: "an event of the system's or its file's stream is withheld: the file cannot be derived (B.18)" });
    return;
  }
  const derived = deriver.derive();
  if (!derived)
    problems.push({ file: COMPLIANCE_FILE_JSON, problem: `AI system ${deriver.aiSystemId} was not registered by ${deriver.asOf} in the events shown` });
  else if (derived.text !== text)
    problems.push({ file: COMPLIANCE_FILE_JSON, problem: 'is not the compliance file derived from the proven events (VERIFY.md B.18): it was edited' });
}

// eslint-disable-next-line no-control-regex -- tab, LF and CR are the controls PDF text may keep
const latin1 = (s: unknown) => asText(s).replace(/[^\x09\x0a\x0d\x20-\x7e\xa0-\xff]/g, '?');

/**
 * The file as a PDF for people: what it holds as of `asOf`, the signed tree head it is proven
 * against, and how to check it. English with Dutch labels, like the bundle's report.
 */
export function complianceFilePdf(value: ComplianceFileExport, head: SignedTreeHead, systemName: string | null): AsyncIterable<Buffer> {
  const f = value.file;
  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    info: {
      Title: latin1(`Compliance file ${systemName ?? value.aiSystemId} as of ${value.asOf}`),
      Producer: 'oversight-registry',
      CreationDate: new Date(head.issuedAt),
    },
  });
  const h = (s: string) => doc.moveDown(0.6).font('Helvetica-Bold').fontSize(12).text(latin1(s)).font('Helvetica').fontSize(9);
  const line = (label: string, v: string) =>
    doc
      .font('Helvetica-Bold')
      .text(`${latin1(label)}: `, { continued: true })
      .font('Helvetica')
      .text(latin1(v));
  const bullet = (s: string) => doc.text(latin1(`- ${s}`), { indent: 8 });
  doc
    .font('Helvetica-Bold')
    .fontSize(16)
    .text(latin1(`Compliance file / Nalevingsdossier: ${systemName ?? value.aiSystemId}`));
  doc.moveDown(0.3).font('Helvetica').fontSize(9);
  line('AI system / AI-systeem', value.aiSystemId);
  line('As of / Per', value.asOf);
  line('Signed tree head / Ondertekende boomkop', `size ${head.treeSize}, root ${head.rootHash}, key ${head.keyId}, signed ${head.issuedAt}`);

  h('Classification and role / Classificatie en rol');
  if (f.classification) {
    const c = f.classification;
    line('AI Act class', `${c.aiActRiskClass} (${c.legalGround}${c.legalGroundPoint ? `, ${c.legalGroundPoint}` : ''})`);
    line('Role / Rol', f.role ?? c.role);
    line('MDR class', `${c.mdrClass}${c.inHouseDevice ? ', in-house device (MDR Art. 5(5))' : ''}`);
    line('Duties apply from / Plichten gelden vanaf', `${c.dutiesApplyFrom} (${c.dutiesApplyFromBasis})`);
    line('Decided / Besloten', `${c.decidedOn} by ${c.decidedBy.subject}: ${c.rationale}`);
  } else doc.text('None recorded / Niet vastgelegd');
  if (f.prohibited) line('Prohibited / Verboden', f.prohibited);

  h('Assessments / Beoordelingen');
  if (!f.assessments.length) doc.text('None recorded / Niet vastgelegd');
  for (const a of f.assessments) {
    bullet(
      `${a.kind}: ${a.status} on ${a.assessedOn}${a.approver ? ` by ${a.approver}` : ''}; next review ${a.nextReviewOn ?? '-'}${a.overdue ? ' - OVERDUE / TE LAAT' : ''}. ${a.outcome}`,
    );
  }

  h('Competence / Bekwaamheid');
  line('Policy / Beleid', f.competence.policy);
  for (const o of f.competence.overseers)
    bullet(
      `${o.person}: ${o.authorised ? 'authorised / bevoegd' : 'not authorised / niet bevoegd'}${o.listedAtRegistration ? ' (listed at registration)' : ''}`,
    );

  h('Documents / Documenten');
  if (!f.documents.length) doc.text('None recorded / Niet vastgelegd');
  for (const d of f.documents) {
    bullet(
      `${d.kind}${d.modelVersion ? ` (version ${d.modelVersion})` : ''}: "${d.title}", ${d.status} on the day of asOf, valid ${d.validFrom} to ${d.lastValidDay ?? 'open'}; SHA-256 ${d.sha256}`,
    );
  }

  h('Missing or overdue / Ontbreekt of te laat');
  if (!f.missing.length) doc.text('Nothing / Niets');
  for (const m of f.missing) bullet(m);

  h('How to verify / Hoe te controleren');
  doc.text(
    latin1(
      'This PDF is a rendering of data/compliance-file.json in the evidence bundle it was exported with. Run `registry verify-bundle <bundle.zip>` ' +
        '(or follow data/VERIFY.md by hand): it checks the tree-head signature, every event against the signed tree above, that the streams ' +
        `ai-system-${value.aiSystemId} and compliance-file-${value.aiSystemId} are whole, and derives the file again from the events recorded ` +
        'by asOf (VERIFY.md B.18). Pin the hospital key with --trusted-key to make the signature rest on more than the bundle itself.',
    ),
  );
  doc.end();
  return doc;
}
