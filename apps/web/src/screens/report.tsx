import { useState } from 'preact/hooks';
import { api, get, newKey } from '../api';
import { formatDate, t } from '../i18n';
import type { AiSystem, Page, ReportedIncident } from '../types';
import { ItemsTable, PageTitle, until, useLoad } from '../ui';
import { Checkbox, fieldErrorOf, FormCard, SelectField, TextField } from '../forms';

const empty = { aiSystemId: '', narrative: '', patientId: '', nearMiss: false };

/**
 * Any employee: report an incident or a near miss with an AI system in under a minute (three
 * fields), and follow what became of one's own reports. The quality manager triages them.
 */
export function ReportIncident() {
  const systems = useLoad(() => get<Page<AiSystem>>('/ai-systems?limit=200'), []);
  const mine = useLoad(() => get<{ items: ReportedIncident[] }>('/incidents/mine'), []);
  const [form, setForm] = useState(empty);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per filled-in form: a double submit or a retry records one incident.
  const [key, setKey] = useState(newKey);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setStatus(t('saving'));
    try {
      const body: Record<string, unknown> = { aiSystemId: form.aiSystemId, narrative: form.narrative, nearMiss: form.nearMiss };
      if (form.patientId.trim()) body.patientIds = [form.patientId.trim()];
      const { data } = await api<{ incidentId: string }>('POST', '/incidents', { body, idempotencyKey: key });
      setError(null);
      setForm(empty);
      setKey(newKey());
      setStatus(t('report.done'));
      // "My reports" is a read model: follow it until it shows the report just made.
      await until(async () => (await mine.reload())?.items.some((r) => r.incidentId === data.incidentId), 10_000, 250);
    } catch (err) {
      setError(err);
      setStatus(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageTitle>{t('report.title')}</PageTitle>
      <p>{t('report.intro')}</p>
      <FormCard
        id="report-form-title"
        title={t('report.form')}
        onSubmit={submit}
        error={error}
        submitLabel={t('report.submit')}
        status={status}
        primary
        busy={busy}
      >
        <SelectField
          id="report-system"
          label={t('incidents.system')}
          required
          value={form.aiSystemId}
          onValue={(v) => setForm((f) => ({ ...f, aiSystemId: v }))}
          placeholder={t('report.choose')}
          options={(systems.data?.items ?? []).map((s) => ({ value: s.aiSystemId, label: `${s.name} (${s.supplierName})` }))}
          error={fieldErrorOf(error, 'aiSystemId')}
        />
        <TextField
          id="report-narrative"
          label={t('incidents.narrative')}
          required
          multiline
          value={form.narrative}
          onValue={(v) => setForm((f) => ({ ...f, narrative: v }))}
          help={t('report.narrativeHelp')}
          error={fieldErrorOf(error, 'narrative')}
        />
        <Checkbox id="report-near-miss" label={t('report.nearMiss')} checked={form.nearMiss} onValue={(v) => setForm((f) => ({ ...f, nearMiss: v }))} />
        <TextField
          id="report-patient"
          label={t('report.patient')}
          value={form.patientId}
          onValue={(v) => setForm((f) => ({ ...f, patientId: v }))}
          help={t('report.patientHelp')}
          error={fieldErrorOf(error, 'patientIds')}
        />
      </FormCard>
      <section aria-labelledby="mine-title">
        <h2 id="mine-title">{t('report.mine')}</h2>
        <ItemsTable
          id="my-reports"
          items={mine.data?.items}
          columns={[t('report.reportedAt'), t('incidents.system'), t('incidents.status')]}
          row={(r) => (
            <tr key={r.incidentId} data-incident-id={r.incidentId} data-triage={r.triage}>
              <td>{formatDate(r.detectedAt)}</td>
              <td>
                {r.aiSystemName}
                {r.nearMiss ? ` (${t('report.nearMissShort')})` : ''}
              </td>
              <td>{r.status === 'closed' ? t('report.closed') : t(`report.${r.triage}`)}</td>
            </tr>
          )}
        />
      </section>
    </>
  );
}
