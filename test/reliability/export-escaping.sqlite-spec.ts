import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'parse5';
import { decodePDFRawStream, PDFArray, PDFDocument, PDFRawStream } from 'pdf-lib';
import { NO_CRITERIA } from '@app/incidents';
import { aiSystemBody, startTestApp, type TestApp, rawBody } from '../support/test-app';
import { readZip } from '../support/zip';
import { eventually, reviewBody } from './support';

/**
 * Hostile text in every free-text field that reaches an evidence bundle. The first part is
 * short so that it survives the PDF's narrow, height-limited cells; it carries what breaks
 * PDF strings (parentheses, backslash) and what a font cannot show (Greek, CJK, emoji).
 */
const hostile = (field: string) =>
  `[${field}] (a) \\ b\\) ( <script>alert(1)</script> Ωμέγα 中文 🏥 ` +
  `"><img src=x onerror=alert(1)> </style></title><svg onload=alert(3)> ' onmouseover='alert(4)' ` +
  `\u202eRTL-override tab\tbyte &amp; ${'W'.repeat(400)}`;

/** Every element and attribute the report writes itself; anything else came from user text. */
const REPORT_ELEMENTS = new Set([
  'html',
  'head',
  'meta',
  'title',
  'style',
  'body',
  'h1',
  'h2',
  'p',
  'em',
  'strong',
  'dl',
  'dt',
  'dd',
  'code',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'br',
  'small',
  'svg',
  'circle',
  'text',
  'line',
]);

interface Node {
  nodeName: string;
  value?: string;
  attrs?: Array<{ name: string; value: string }>;
  childNodes?: Node[];
  content?: Node;
}

function* walk(node: Node): Generator<Node> {
  yield node;
  for (const child of node.childNodes ?? []) yield* walk(child);
  if (node.content) yield* walk(node.content);
}

/** The text a PDF page shows: every string of every TJ/Tj operator, PDFKit's hex strings decoded (WinAnsi). */
function pdfText(pdf: PDFDocument): string {
  let text = '';
  for (const page of pdf.getPages()) {
    const contents = page.node.Contents();
    const streams = contents instanceof PDFArray ? contents.asArray().map((r) => pdf.context.lookup(r)) : [contents];
    for (const s of streams) {
      const ops = Buffer.from(decodePDFRawStream(s as PDFRawStream).decode()).toString('latin1');
      for (const [, arg] of ops.matchAll(/(\[[^\]]*\]|<[0-9a-fA-F]*>)\s*T[Jj]/g)) {
        for (const [, hex] of arg.matchAll(/<([0-9a-fA-F]*)>/g)) text += Buffer.from(hex, 'hex').toString('latin1');
      }
    }
  }
  return text;
}

const noSpace = (s: string) => s.replace(/\s+/g, '');
/** What the PDF's standard fonts can show (the product's rule: Latin-1, else '?'). */
// Tab, LF and CR are named on purpose: the fonts show them, unlike the other control characters.
// eslint-disable-next-line no-control-regex
const latin1 = (s: string) => s.replace(/[^\x09\x0a\x0d\x20-\x7e\xa0-\xff]/g, '?');

/**
 * Parses `html` as a browser would (parse5 follows the HTML standard): only the reports' own
 * elements, no `on*` attribute, one `<style>` ('</style>' in user text opened nothing), and each
 * field's text present as text, whole. (A NUL no longer gets this far: the API refuses it, 4e.)
 */
function expectInertHtml(html: string, fields: string[]): string {
  const nodes = [...walk(parse(html))];
  const elements = nodes.filter((n) => !n.nodeName.startsWith('#'));
  expect([...new Set(elements.map((n) => n.nodeName))].filter((name) => !REPORT_ELEMENTS.has(name))).toEqual([]);
  expect(elements.flatMap((n) => (n.attrs ?? []).map((x) => `${n.nodeName}[${x.name}]`)).filter((x) => /\[on/i.test(x))).toEqual([]);
  expect(elements.filter((n) => n.nodeName === 'style')).toHaveLength(1);
  const shown = nodes
    .filter((n) => n.nodeName === '#text')
    .map((n) => n.value)
    .join('');
  for (const field of fields) expect({ field, found: shown.includes(hostile(field)) }).toEqual({ field, found: true });
  return shown;
}

describe('Exported report.html, report.pdf and the incident report escape hostile text from every field', () => {
  let t: TestApp;
  const savedWebhooks = process.env.SUPPLIER_WEBHOOKS;
  beforeAll(async () => {
    // The supplier (named with hostile text) needs an endpoint for a report to be made; nothing
    // listens there: deliveries fail and retry, the report stays as made.
    process.env.SUPPLIER_WEBHOOKS = JSON.stringify({
      [hostile('supplier').slice(0, 200)]: { url: 'http://127.0.0.1:9/hook', secret: 'escaping-test-secret-0123456789' },
    });
    t = await startTestApp();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    if (savedWebhooks === undefined) delete process.env.SUPPLIER_WEBHOOKS;
    else process.env.SUPPLIER_WEBHOOKS = savedWebhooks;
  });

  it('leaves no live markup in report.html and a well-formed PDF showing the text literally', async () => {
    const [admin, legal, qm] = [await t.token('admin'), await t.token('legal', 'lawyer-1'), await t.token('quality-manager', 'qm-1')];
    // The signed-in subject reaches the report too ("Who").
    const clinician = await t.token('clinician', '"><svg onload=alert(5)>');
    const a = (tk: string) => ({ Authorization: `Bearer ${tk}` });
    const system = await t.http
      .post('/api/v1/ai-systems')
      .set(a(admin))
      .send(
        aiSystemBody({
          name: hostile('name').slice(0, 200),
          supplier: { name: hostile('supplier').slice(0, 200), incidentContactEmail: 'v@acme.example' },
          intendedPurpose: hostile('purpose'),
        }),
      )
      .expect(201);
    const aiSystemId = system.body.aiSystemId as string;
    const review = await t.http
      .post('/api/v1/reviews')
      .set(a(clinician))
      .send(reviewBody(aiSystemId, 1, { reason: hostile('reason') }))
      .expect(201);
    await t.http
      .post(`/api/v1/reviews/${review.body.reviewId}/corrections`)
      .set(a(clinician))
      .set('If-Match', '"0"')
      .send({ decision: 'modified', reason: hostile('correction'), correctionNote: hostile('correctionNote') })
      .expect(200);
    const incident = await t.http
      .post('/api/v1/incidents')
      .set(a(clinician))
      .send({ aiSystemId, narrative: hostile('narrative'), linkedReviewIds: [review.body.reviewId] })
      .expect(201);
    const incidentId = incident.body.incidentId as string;
    await t.http
      .post(`/api/v1/incidents/${incidentId}/awareness`)
      .set(a(qm))
      .send({ awareAt: new Date().toISOString(), reason: hostile('awareness') })
      .expect(200);
    await t.http
      .post(`/api/v1/incidents/${incidentId}/notes`)
      .set(a(qm))
      .send({ note: hostile('note') })
      .expect(200);
    // The report sent to the supplier, as the quality manager opens it (?as=html).
    await t.http
      .post(`/api/v1/incidents/${incidentId}/classification`)
      .set(a(qm))
      .send({ serious: true, criteria: { ...NO_CRITERIA, seriousHarmToHealth: true }, wkkgzCalamity: true, rationale: hostile('rationale') })
      .expect(200);
    const notified = await t.http
      .post(`/api/v1/incidents/${incidentId}/notifications`)
      .set(a(qm))
      .send({ recipient: 'provider', actionsTaken: hostile('actionsTaken') });
    expect(notified.status).toBe(202);
    const incidentReport = await t.http
      .get(`/api/v1/incidents/${incidentId}/reports/${notified.body.notificationId}?as=html`)
      .set(a(qm))
      .buffer(true)
      .parse(rawBody as never)
      .expect(200);
    expectInertHtml((incidentReport.body as Buffer).toString('utf8'), ['narrative', 'actionsTaken']);

    const request = await t.http
      .post('/api/v1/disclosure-requests')
      .set(a(legal))
      .send({
        reference: hostile('reference').slice(0, 200),
        requester: { kind: 'court', name: hostile('requester').slice(0, 200) },
        legalBasis: hostile('legalBasis').slice(0, 300),
        dueAt: new Date(Date.now() + 86_400_000).toISOString(),
        scope: { aiSystemIds: [aiSystemId], incidentIds: [incidentId] },
      })
      .expect(201);
    const requestId = request.body.requestId as string;
    const started = await t.http.post(`/api/v1/disclosure-requests/${requestId}/bundles`).set(a(legal)).expect(202);
    const job = await eventually(async () => {
      const j = (await t.http.get(`/api/v1/disclosure-requests/${requestId}/bundles/${started.body.bundleId}`).set(a(legal)).expect(200)).body;
      return j.status === 'running' ? undefined : j;
    }, 60_000);
    expect(job.status).toBe('done');
    const zip = await t.http
      .get(job.download)
      .set(a(legal))
      .buffer(true)
      .parse(rawBody as never);
    const file = join(mkdtempSync(join(tmpdir(), 'escaping-bundle-')), 'b.zip');
    writeFileSync(file, zip.body as Buffer);
    const entries = await readZip(file);

    // report.html, parsed as a browser would (parse5 follows the HTML standard).
    const fields = ['reason', 'correction', 'correctionNote', 'narrative', 'awareness', 'note'];
    const shown = expectInertHtml(entries.get('data/report.html')!.toString('utf8'), fields);
    for (const field of ['reference', 'requester']) expect({ field, found: shown.includes(hostile(field).slice(0, 200)) }).toEqual({ field, found: true });
    expect(shown).toContain('"><svg onload=alert(5)>');

    // report.pdf: it parses, its metadata keeps ( ) \ literally, and the cells show the text
    // literally with anything outside Latin-1 as '?'.
    const pdf = await PDFDocument.load(entries.get('data/report.pdf')!, { updateMetadata: false });
    expect(pdf.getPageCount()).toBeGreaterThan(0);
    expect(pdf.getTitle()).toContain(latin1(hostile('reference').slice(0, 40)));
    const text = noSpace(pdfText(pdf));
    // (correctionNote follows the long correction reason in the same cell, cut by the cell's height.)
    for (const field of [...fields.filter((f) => f !== 'correctionNote'), 'reference', 'requester']) {
      const start = noSpace(latin1(hostile(field).slice(0, 48)));
      expect({ field, found: text.includes(start) }).toEqual({ field, found: true });
    }
  }, 180_000);
});
