import { createHash, randomUUID } from 'node:crypto';
import { issueLocalToken, type KeyMaterial, type Role } from '@app/identity';
import { aiSystemBody } from './test-app';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Fills a running registry through its HTTP API with something of every context: systems,
 * reviews with encrypted rationales (subject keys), an incident, a retention policy, an
 * uploaded log artefact (blob store), a legal hold and a disclosure request, some writes under
 * an Idempotency-Key. For tests that move or restore a whole store.
 */
export async function populateViaApi(baseUrl: string, keys: KeyMaterial): Promise<{ systemId: string; reviewIds: string[] }> {
  const token = (role: Role, sub: string) => issueLocalToken(keys.tokenSigning, { sub, role });
  const [admin, alice, qm, legal] = await Promise.all([
    token('admin', 'admin-1'),
    token('clinician', 'alice'),
    token('quality-manager', 'qm-1'),
    token('legal', 'lawyer-1'),
  ]);
  const post = async (path: string, auth: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${baseUrl}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, string>;
    if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  const { aiSystemId: systemId } = await post('/ai-systems', admin, aiSystemBody({ mdrClass: 'none' }), { 'Idempotency-Key': randomUUID() });
  const reviewIds: string[] = [];
  for (const [i, decision] of (['accepted', 'rejected', 'modified', 'escalated'] as const).entries()) {
    const review = await post(
      '/reviews',
      alice,
      {
        aiSystemId: systemId,
        modelVersion: '2.3.1',
        outputReference: `pacs://studies/${i}/ai-report`,
        outputSha256: sha256(`AI output ${i}`),
        patientId: `NL-100${i}`,
        decision,
        ...(decision === 'accepted' ? {} : { reason: `Rationale ${i} about the patient` }),
      },
      { 'Idempotency-Key': randomUUID() },
    );
    reviewIds.push(review.reviewId);
  }
  await post('/incidents', alice, { aiSystemId: systemId, narrative: 'Missed pneumothorax on a supine film', linkedReviewIds: [reviewIds[1]] });
  await post('/retention-policies', qm, { aiSystemId: systemId, minimumMonths: 6, maximumMonths: 120, legalBasis: 'Hospital log policy v3' });
  await post(
    `/log-artefacts?system=${systemId}&from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z`,
    qm,
    '{"ts":"2026-10-01T10:00:00Z","event":"inference","score":0.91}\n'.repeat(20),
    { 'content-type': 'application/x-ndjson' },
  );
  await post('/legal-holds', legal, { scope: { aiSystemIds: [systemId] }, reason: 'Claim 2027-0042 (PLD): preserve triage logs' });
  await post('/disclosure-requests', legal, {
    reference: 'C/13/123456 / HA ZA 26-789',
    requester: { kind: 'court', name: 'Rechtbank Amsterdam' },
    legalBasis: 'PLD (EU) 2024/2853 Art. 9',
    dueAt: new Date(Date.now() + 14 * 86_400_000).toISOString(),
    scope: { aiSystemIds: [systemId] },
  });
  return { systemId, reviewIds };
}
