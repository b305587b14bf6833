import PDFDocument from 'pdfkit';
import type { SignedTreeHead } from '../ledger/tree-head';
import type { ComplianceFileExport } from './compliance-file';
import { asText } from './text';

// The PDF lives apart from the derivation: the writer needs pdfkit, the offline verifier must not load it.
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
