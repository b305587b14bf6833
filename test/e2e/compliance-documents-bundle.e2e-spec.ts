import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyBundle } from '@app/evidence';
import { KEY_MATERIAL, type KeyMaterial } from '@app/identity';
import { exportBundleTo } from '../support/bundles';
import { requirePythonVerifier, verifyWithPython } from '../support/python-verifier';
import { aiSystemBody, startTestApp, type TestApp } from '../support/test-app';
import { readZip, rebag, writeZip } from '../support/zip';

/**
 * A disclosure bundle for an AI system carries the compliance file's documents that held on a day
 * of its period (issue 23 item 3, VERIFY.md B.16), each proven by its upload event; a document
 * changed, swapped or left out fails both verifiers, even when the hospital re-signs the bundle.
 */
describe('compliance file documents in disclosure bundles (VERIFY.md B.16)', () => {
  let t: TestApp;
  let legal: string;
  let qm: string;
  let systemId: string;
  const dir = mkdtempSync(join(tmpdir(), 'documents-bundle-'));
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Europe/Amsterdam' });
  const pdf = (text: string) => Buffer.from(`%PDF-1.7\n% ${text}\n%%EOF\n`);
  const ifuOld = pdf('IFU 2.3, first edition');
  const ifuNew = pdf('IFU 2.3, second edition');
  const declaration = pdf('EU declaration of conformity');
  const contract = pdf('Contract signed last week');
  let files: Map<string, Buffer>;
  let path: string;

  const upload = (query: Record<string, string>, content: Buffer) =>
    t.http.post(`/api/v1/ai-systems/${systemId}/documents`).query(query).set(auth(qm)).set('Content-Type', 'application/pdf').send(content).expect(201);

  beforeAll(async () => {
    requirePythonVerifier();
    t = await startTestApp();
    const admin = await t.token('admin', 'admin-1');
    [legal, qm] = await Promise.all([t.token('legal', 'lawyer-1'), t.token('quality-manager', 'qm-1')]);
    systemId = (await t.http.post('/api/v1/ai-systems').set(auth(admin)).send(aiSystemBody()).expect(201)).body.aiSystemId as string;
    const ifu = { kind: 'instructions-for-use', modelVersion: '2.3.1' };
    const first = (await upload({ ...ifu, title: 'IFU 2.3', validFrom: day(-60) }, ifuOld)).body.documentId as string;
    await upload({ ...ifu, title: 'IFU 2.3 rev. B', validFrom: day(-10), supersedes: first }, ifuNew);
    await upload({ kind: 'eu-declaration-of-conformity', title: 'EU declaration of conformity', validFrom: day(-90) }, declaration);
    await upload({ kind: 'contract', title: 'Contract', validFrom: day(-5) }, contract);
    // The period of care in dispute: 40 to 20 days ago. No event of the file falls in it.
    const requestId = (
      await t.http
        .post('/api/v1/disclosure-requests')
        .set(auth(legal))
        .send({
          reference: 'C/13/999 / HA ZA 26-3',
          requester: { kind: 'court', name: 'Rechtbank Utrecht' },
          legalBasis: 'PLD (EU) 2024/2853 Art. 9',
          dueAt: new Date(Date.now() + 14 * 86_400_000).toISOString(),
          scope: {
            aiSystemIds: [systemId],
            from: new Date(Date.now() - 40 * 86_400_000).toISOString(),
            to: new Date(Date.now() - 20 * 86_400_000).toISOString(),
          },
        })
        .expect(201)
    ).body.requestId as string;
    path = join(dir, 'genuine.zip');
    await exportBundleTo(t, legal, requestId, path);
    files = await readZip(path);
  });
  afterAll(async () => t?.close());

  /** Both verdicts on a copy with `change` applied, manifests and signed statement redone with the hospital's own key. */
  const forged = async (name: string, change: (f: Map<string, Buffer>) => void) => {
    const f = new Map(files);
    change(f);
    rebag(f, t.app.get<KeyMaterial>(KEY_MATERIAL).ledgerSigning.privateKey);
    const p = join(dir, `${name}.zip`);
    await writeZip(p, f);
    return { ts: await verifyBundle(p), py: await verifyWithPython(p) };
  };

  it('holds the documents that held in the period, byte for byte, with the whole file of the system; both verifiers accept it', async () => {
    const documents = [...files.keys()].filter((n) => n.startsWith('data/documents/')).sort();
    expect(documents).toEqual([`data/documents/${sha(declaration)}`, `data/documents/${sha(ifuOld)}`].sort());
    expect(Buffer.compare(files.get(`data/documents/${sha(ifuOld)}`)!, ifuOld)).toBe(0);
    const events = files
      .get('data/events.jsonl')!
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { streamId: string; type: string; data: { sha256?: string } });
    // The file's stream is in whole although none of its events falls in the period.
    expect(events.filter((e) => e.streamId === `compliance-file-${systemId}`).map((e) => e.type)).toEqual([
      'compliance.DocumentRecorded',
      'compliance.DocumentRecorded',
      'compliance.DocumentSuperseded',
      'compliance.DocumentRecorded',
      'compliance.DocumentRecorded',
    ]);
    const ts = await verifyBundle(path);
    expect(ts.problems).toEqual([]);
    expect(ts.ok).toBe(true);
    const py = await verifyWithPython(path);
    expect(py.problems).toEqual([]);
    expect(py.ok).toBe(true);
  });

  it('a document changed in the zip fails both verifiers', async () => {
    const name = `data/documents/${sha(ifuOld)}`;
    const { ts, py } = await forged('changed', (f) => f.set(name, pdf('IFU 2.3, first edition, with a warning removed')));
    expect(ts.ok).toBe(false);
    expect(ts.problems).toContainEqual({ file: name, problem: expect.stringMatching(/its bytes do not hash to its name/) });
    expect(py.ok).toBe(false);
    expect(py.problems).toContainEqual({ file: name, problem: expect.stringMatching(/its bytes do not hash to its name/) });
  });

  it('a document swapped for another under its own hash, or left out, fails both verifiers', async () => {
    const other = pdf('An IFU the supplier never sent');
    const swapped = await forged('swapped', (f) => {
      f.delete(`data/documents/${sha(ifuOld)}`);
      f.set(`data/documents/${sha(other)}`, other);
    });
    for (const v of [swapped.ts, swapped.py]) {
      expect(v.ok).toBe(false);
      expect(v.problems).toContainEqual({ file: `data/documents/${sha(other)}`, problem: expect.stringMatching(/no compliance\.DocumentRecorded event/) });
      expect(v.problems).toContainEqual({ file: `data/documents/${sha(ifuOld)}`, problem: expect.stringMatching(/held in the period is missing/) });
    }
    const left = await forged('left-out', (f) => f.delete(`data/documents/${sha(declaration)}`));
    for (const v of [left.ts, left.py]) {
      expect(v.ok).toBe(false);
      expect(v.problems).toEqual([{ file: `data/documents/${sha(declaration)}`, problem: expect.stringMatching(/held in the period is missing/) }]);
    }
  });
});
