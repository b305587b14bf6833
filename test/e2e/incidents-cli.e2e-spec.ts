import { NO_CRITERIA, RULEBOOK_VERSION } from '@app/incidents';
import { incidentsOverdue, incidentsRecomputeDeadlines, OVERDUE_EXIT_CODE } from '../../apps/cli/src/commands/incidents';
import { SqlDatabase, SqlEventStore } from '@app/event-store';
import { newTestStorage, openTestDataSource } from '../support/test-storage';
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

/** `registry incidents recompute-deadlines`: a rulebook correction reaches open incidents computed with an older one. */
describe('registry incidents recompute-deadlines', () => {
  it('appends DeadlinesRecomputed with the reason to an open incident from before the rulebook, once; the earlier computation stays', async () => {
    const t = await startTestApp();
    try {
      const [admin, qm] = await Promise.all([t.token('admin'), t.token('quality-manager')]);
      const system = await t.http.post('/api/v1/ai-systems').set('Authorization', `Bearer ${admin}`).send(aiSystemBody()).expect(201);
      const incident = await t.http
        .post('/api/v1/incidents')
        .set('Authorization', `Bearer ${qm}`)
        .send({ aiSystemId: system.body.aiSystemId, narrative: 'Wrong triage' })
        .expect(201);
      const stream = `incident-${incident.body.incidentId}`;
      // As the code before the rulebook recorded it: no version, no rule ids.
      const [, awareness] = await t.store.readStream(stream);
      await t.store.append(stream, [
        {
          type: 'incidents.DeadlinesComputed',
          data: {
            incidentId: incident.body.incidentId,
            awareAt: awareness.data.awareAt,
            deadlines: [
              { obligation: 'Inform the provider', recipient: 'provider', dueAt: '2030-01-01T00:00:00.000Z', rule: 'AI Act Art. 26(5)', basis: 'policy: 24 h' },
            ],
            policy: { providerInformHours: 24, igjWorkingDays: 3 },
            cause: 'awareness',
            computedAt: awareness.data.awareAt,
          },
        },
      ]);
      await t.app.close();
      let out = '';
      expect(await incidentsRecomputeDeadlines({ reason: 'Rulebook: AI Act scope and Art. 26(5) as written' }, t.storage.config, (s) => (out += s))).toBe(0);
      expect(out).toContain('1 open incident(s) recomputed, 0 already current');
      const ds = await openTestDataSource(t.storage);
      const events = await new SqlEventStore(new SqlDatabase(ds)).readStream(stream).finally(() => ds.destroy());
      const last = events.at(-1)!;
      expect(last).toMatchObject({
        type: 'incidents.DeadlinesRecomputed',
        data: {
          cause: 'rulebook-correction',
          rulebookVersion: RULEBOOK_VERSION,
          previousRulebookVersion: null,
          reason: 'Rulebook: AI Act scope and Art. 26(5) as written',
        },
      });
      expect(last.data.deadlines).toMatchObject([{ ruleId: 'aiact.26-5.provider.on-awareness' }]);
      expect(events.filter((e) => e.type === 'incidents.DeadlinesComputed')).toHaveLength(2);
      out = '';
      expect(await incidentsRecomputeDeadlines({ reason: 'again' }, t.storage.config, (s) => (out += s))).toBe(0);
      expect(out).toContain('0 open incident(s) recomputed, 1 already current');
      expect(await incidentsRecomputeDeadlines({ reason: '  ' }, t.storage.config, () => undefined)).toBe(1);
    } finally {
      await t.storage.cleanup();
    }
  });
});
