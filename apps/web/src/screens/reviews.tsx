import { useState } from 'preact/hooks';
import { api, get, newKey } from '../api';
import { formatDate, t } from '../i18n';
import type { AiSystem, Page, ReviewItem } from '../types';
import { ItemsTable, PageTitle, ProblemSummary, tt, until, useLoad } from '../ui';
import { fieldErrorOf, SelectField, Status, TextField } from '../forms';

const DECISIONS = ['accepted', 'modified', 'rejected', 'escalated'] as const;
const empty = { aiSystemId: '', patientId: '', outputReference: '', outputSha256: '', decision: '', reason: '' };
// A scanned code may carry the digest: "<reference>#sha256=<64 hex>".
const SCANNED = /^(.*?)[#|]sha256=([0-9a-fA-F]{64})$/;

/** Clinician: log a review of an AI output (keyboard alone, top to bottom) and see recent ones. */
export function Reviews() {
  const systems = useLoad(() => get<Page<AiSystem>>('/ai-systems?limit=200'), []);
  const recent = useLoad(() => get<Page<ReviewItem>>('/reviews?limit=10'), []);
  const [form, setForm] = useState(empty);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per filled-in form: a double submit or a retry after a time-out records one review.
  const [key, setKey] = useState(newKey);
  const set = (field: keyof typeof empty) => (value: string) => setForm((f) => ({ ...f, [field]: value }));
  const system = systems.data?.items.find((s) => s.aiSystemId === form.aiSystemId);
  const fieldError = (f: string) => fieldErrorOf(error, f);

  const onReference = (value: string) => {
    const scanned = SCANNED.exec(value.trim());
    setForm((f) => (scanned ? { ...f, outputReference: scanned[1], outputSha256: scanned[2].toLowerCase() } : { ...f, outputReference: value }));
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setStatus(t('saving'));
    try {
      const body: Record<string, string> = {
        aiSystemId: form.aiSystemId,
        modelVersion: system?.currentVersion ?? '',
        patientId: form.patientId,
        outputReference: form.outputReference,
        outputSha256: form.outputSha256.trim(),
        decision: form.decision,
      };
      if (form.reason.trim()) body.reason = form.reason;
      const { data } = await api<{ reviewId: string }>('POST', '/reviews', { body, idempotencyKey: key });
      setError(null);
      setForm({ ...empty, aiSystemId: form.aiSystemId });
      setKey(newKey());
      setStatus(t('reviews.recorded'));
      await until(async () => (await recent.reload())?.items.some((r) => r.reviewId === data.reviewId));
      document.getElementById('patientId')?.focus();
    } catch (err) {
      setError(err);
      setStatus(null);
    } finally {
      setBusy(false);
    }
  };

  const nameOf = (id: string) => systems.data?.items.find((s) => s.aiSystemId === id)?.name ?? id;
  return (
    <>
      <PageTitle>{t('reviews.title')}</PageTitle>
      <form onSubmit={(e) => void submit(e)} noValidate class="card" aria-labelledby="page-title">
        <ProblemSummary error={error} />
        <SelectField
          id="aiSystemId"
          label={t('reviews.system')}
          required
          value={form.aiSystemId}
          onValue={set('aiSystemId')}
          placeholder={t('reviews.chooseSystem')}
          options={(systems.data?.items ?? []).map((s) => ({
            value: s.aiSystemId,
            label: `${s.name} ${s.currentVersion}${s.status === 'suspended' ? ` (${t('reviews.suspended')})` : ''}`,
          }))}
          error={fieldError('aiSystemId')}
          help={system ? t('reviews.version', { v: system.currentVersion }) : undefined}
        />
        <TextField
          id="patientId"
          label={t('reviews.patient')}
          required
          value={form.patientId}
          onValue={set('patientId')}
          help={t('reviews.patientHelp')}
          error={fieldError('patientId')}
        />
        <TextField
          id="outputReference"
          label={t('reviews.outputReference')}
          required
          value={form.outputReference}
          onValue={onReference}
          help={t('reviews.outputReferenceHelp')}
          error={fieldError('outputReference')}
        />
        <TextField
          id="outputSha256"
          label={t('reviews.outputSha256')}
          required
          value={form.outputSha256}
          onValue={set('outputSha256')}
          error={fieldError('outputSha256')}
        />
        <SelectField
          id="decision"
          label={t('reviews.decision')}
          required
          value={form.decision}
          onValue={set('decision')}
          placeholder="—"
          options={DECISIONS.map((d) => ({ value: d, label: tt(`decision.${d}`) }))}
          error={fieldError('decision')}
        />
        <TextField
          id="reason"
          label={t('reviews.reason')}
          multiline
          value={form.reason}
          onValue={set('reason')}
          help={t('reviews.reasonHelp')}
          error={fieldError('reason')}
        />
        <button type="submit" class="primary" disabled={busy}>
          {t('reviews.submit')}
        </button>
        <Status message={status} />
      </form>

      <section aria-labelledby="recent-title">
        <h2 id="recent-title">{t('reviews.recent')}</h2>
        <ItemsTable
          id="recent-reviews"
          items={recent.data?.items}
          columns={[t('reviews.when'), t('reviews.system'), t('reviews.outputReference'), t('reviews.decision'), t('reviews.reason')]}
          row={(r) => (
            <tr key={r.reviewId} data-review-id={r.reviewId}>
              <td>{formatDate(r.decidedAt)}</td>
              <td>
                {nameOf(r.aiSystemId)} {r.modelVersion}
              </td>
              <td class="mono">{r.outputReference}</td>
              <td>
                <span class={`badge decision-${r.decision}`}>{tt(`decision.${r.decision}`)}</span>
              </td>
              <td>{r.reason.erased ? '[erased]' : (r.reason.text ?? '')}</td>
            </tr>
          )}
        />
      </section>
    </>
  );
}
