import { NO_CRITERIA } from '@app/incidents';
import { incidentsOverdue, OVERDUE_EXIT_CODE } from '../../apps/cli/src/commands/incidents';
import { newTestStorage } from '../support/test-storage';
import { aiSystemBody, startTestApp } from '../support/test-app';

/** `registry incidents overdue`, run in-process against the store this run targets. */
describe('registry incidents overdue', () => {
  it('exits 0 when nothing is overdue', async () => {
    const storage = newTestStorage();
    try {
      let out = '';
      expect(await incidentsOverdue({}, storage.config, (s) => (out += s))).toBe(0);
      expect(out).toBe('No overdue incidents.\n');
    } finally {
      await storage.cleanup();
    }
  });

  it('exits 2 and lists the incident once the provider deadline has passed', async () => {
    const t = await startTestApp();
    try {
      const [admin, qm] = await Promise.all([t.token('admin'), t.token('quality-manager')]);
      const system = await t.http.post('/api/v1/ai-systems').set('Authorization', `Bearer ${admin}`).send(aiSystemBody()).expect(201);
      const awareAt = new Date(Date.now() - 2 * 86_400_000).toISOString();
      const incident = await t.http
        .post('/api/v1/incidents')
        .set('Authorization', `Bearer ${qm}`)
        .send({ aiSystemId: system.body.aiSystemId, narrative: 'Wrong triage', awareAt, awarenessReason: 'Reported at the ward round' })
        .expect(201);
      await t.http
        .post(`/api/v1/incidents/${incident.body.incidentId}/classification`)
        .set('Authorization', `Bearer ${qm}`)
        .send({
          serious: true,
          criteria: { ...NO_CRITERIA, seriousHarmToHealth: true },
          wkkgzCalamity: false,
        })
        .expect(200);
      // The API process stops; the command alone brings the board up to date and answers.
      await t.app.close();
      let out = '';
      expect(await incidentsOverdue({}, t.storage.config, (s) => (out += s))).toBe(OVERDUE_EXIT_CODE);
      expect(out).toContain(`${incident.body.incidentId}  ChestXR Triage: provider due`);
      expect(out).toContain('(AI Act Art. 26(5))');
      let json = '';
      await incidentsOverdue({ json: true }, t.storage.config, (s) => (json += s));
      expect(JSON.parse(json)).toMatchObject([{ incidentId: incident.body.incidentId, overdue: true }]);
    } finally {
      await t.storage.cleanup();
    }
  });
});
