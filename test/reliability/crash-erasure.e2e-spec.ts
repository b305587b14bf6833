import { type ChildApi, startChildApi, waitForExit } from '../support/child-api';
import { filesHolding } from '../support/plaintext';
import { aiSystemBody } from '../support/test-app';
import { newTestStorage, type TestStorage } from '../support/test-storage';
import { eventually, readModelsAndRebuild, registry, reviewBody, tokenFor } from './support';

type Envelope = { type: string; streamId: string; globalPosition: number; data: { kid?: string } };

/**
 * An erasure is all or nothing (issue 20): the API is SIGKILLed between its steps (a failpoint,
 * FAILPOINTS=…, holds it there: after `ErasureDecided`, and after the key is shredded but before
 * `DataSubjectKeyShredded`). After a restart the erasure is finished without any request, the
 * read models show the text erased, a retry with the same Idempotency-Key answers the recorded
 * outcome and writes nothing, the read models rebuild to the same rows and `registry verify` passes.
 */
describe('Crash during an erasure (SIGKILL between its steps, child process)', () => {
  let storage: TestStorage;
  beforeAll(() => void (storage = newTestStorage()));
  afterAll(async () => storage?.cleanup());

  const stop = async (api: ChildApi) => {
    api.proc.kill('SIGTERM');
    await waitForExit(api.proc);
  };

  for (const point of ['erasure-decided', 'erasure-shredded']) {
    it(`finishes an erasure killed at ${point} when the API starts again`, async () => {
      const [admin, alice, legal, auditor] = await Promise.all([
        tokenFor(storage, 'admin'),
        tokenFor(storage, 'clinician', 'alice'),
        tokenFor(storage, 'legal', 'lawyer-1'),
        tokenFor(storage, 'auditor'),
      ]);
      const as = (token: string) => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' });
      const secret = `Quetzal${point.replace('-', '')}${Date.now().toString(36)}`;
      const patientId = `NL-CRASH-${point}`;
      const erase = (api: ChildApi) =>
        fetch(`${api.url}/api/v1/data-subjects/erasure`, {
          method: 'POST',
          headers: { ...as(legal), 'Idempotency-Key': `erase-${point}` },
          body: JSON.stringify({ patientId }),
        });
      const stream = async (api: ChildApi, pseudonym: string) => {
        const { events } = (await (await fetch(`${api.url}/api/v1/events?limit=1000`, { headers: as(auditor) })).json()) as { events: Envelope[] };
        return events.filter((e) => e.streamId === `data-subject-${pseudonym}`);
      };

      const first = await startChildApi({ ...storage.env, FAILPOINTS: point });
      let reviewId: string;
      let pseudonym: string;
      try {
        const system = (await (
          await fetch(`${first.url}/api/v1/ai-systems`, { method: 'POST', headers: as(admin), body: JSON.stringify(aiSystemBody()) })
        ).json()) as { aiSystemId: string };
        const review = await fetch(`${first.url}/api/v1/reviews`, {
          method: 'POST',
          headers: as(alice),
          body: JSON.stringify(reviewBody(system.aiSystemId, 1, { patientId, reason: `${secret} seen` })),
        });
        expect(review.status).toBe(201);
        reviewId = ((await review.json()) as { reviewId: string }).reviewId;
        pseudonym = ((await (await fetch(`${first.url}/api/v1/reviews/${reviewId}`, { headers: as(alice) })).json()) as { patientPseudonym: string })
          .patientPseudonym;

        const answer = erase(first).then(
          (res) => res.status,
          () => 'no answer',
        );
        await eventually(() => first.output().includes(`failpoint ${point} reached`), 60_000, `failpoint ${point}`);
        first.proc.kill('SIGKILL');
        await waitForExit(first.proc);
        expect(first.proc.signalCode).toBe('SIGKILL');
        expect(await answer).toBe('no answer');
      } catch (err) {
        first.proc.kill('SIGKILL');
        throw err;
      }

      const second = await startChildApi(storage.env);
      let shredded: Envelope;
      try {
        // Finished by the start, before any request about it: decision, then the outcome, once.
        const events = await eventually(
          async () => {
            const e = await stream(second, pseudonym);
            return e.some((x) => x.type === 'identity.DataSubjectKeyShredded') && e;
          },
          60_000,
          'erasure finished at start-up',
        );
        expect(events.map((e) => e.type)).toEqual(['identity.ErasureDecided', 'identity.DataSubjectKeyShredded']);
        shredded = events[1];
        const reason = ((await (await fetch(`${second.url}/api/v1/reviews/${reviewId}`, { headers: as(alice) })).json()) as { reason: unknown }).reason;
        expect(reason).toEqual({ text: null, erased: true });

        // The client's retry of the killed request: the recorded outcome, nothing written.
        const head = ((await (await fetch(`${second.url}/api/v1/events?limit=1`, { headers: as(auditor) })).json()) as { head: number }).head;
        const retry = await erase(second);
        expect(retry.status).toBe(200);
        expect(await retry.json()).toMatchObject({ outcome: 'erased', pseudonym, kid: shredded.data.kid, position: shredded.globalPosition });
        expect(((await (await fetch(`${second.url}/api/v1/events?limit=1`, { headers: as(auditor) })).json()) as { head: number }).head).toBe(head);
      } catch (err) {
        (err as Error).message += `\n--- restarted API:\n${second.output()}`;
        throw err;
      } finally {
        await stop(second);
      }
      expect(await filesHolding(storage.config.dataDir, secret)).toEqual([]);
      const { live, rebuilt } = await readModelsAndRebuild(storage);
      expect(rebuilt).toEqual(live);
      expect(await registry(storage, 'verify')).toMatchObject({ code: 0, stdout: expect.stringMatching(/OK: every event matches/) });
    }, 300_000);
  }
});
