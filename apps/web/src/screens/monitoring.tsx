import { useState } from 'preact/hooks';
import { api, download, get, newKey } from '../api';
import { type Bar, BarChart, ChartCard } from '../charts';
import { fieldErrorOf, SelectField, Status, TextField, useWrite } from '../forms';
import { formatDate, t, type TextKey } from '../i18n';
import type { AiSystem, Monitoring, MonitoringAlert, Page, ReviewItem } from '../types';
import { navigate } from '../state';
import { ItemsTable, Loading, PageTitle, ProblemSummary, tt, until, useLoad } from '../ui';

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)} %`);
const forbidden = (e: unknown) => !!e && typeof e === 'object' && 'problem' in e && (e as { problem: { status: number } }).problem.status === 403;
const metric = (m: string) => t(`monitoring.metric.${m}` as TextKey);

/**
 * The alerts monitoring thresholds raised, on the quality manager's board (where they act), with
 * the gauge of open ones; each can open an incident through the incident context.
 */
export function MonitoringAlerts({ canAct = false }: { canAct?: boolean }) {
  const alerts = useLoad(() => get<{ items: MonitoringAlert[] }>('/monitoring/alerts?status=open'), []);
  if (forbidden(alerts.error)) return null;
  if (alerts.error) return <ProblemSummary error={alerts.error} />;
  const items = alerts.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <section class="alert-overdue" role="alert" aria-labelledby="monitoring-alerts-title" id="monitoring-alerts">
      <h2 id="monitoring-alerts-title">
        {t('monitoring.alertsTitle')}{' '}
        <span class="badge overdue" id="monitoring-gauge">
          {items.length}
        </span>
      </h2>
      <ul>
        {items.map((a) => (
          <AlertLine key={`${a.aiSystemId}-${a.alertNo}`} alert={a} canAct={canAct} reload={alerts.reload} />
        ))}
      </ul>
    </section>
  );
}

function AlertLine({ alert: a, canAct, reload }: { alert: MonitoringAlert; canAct: boolean; reload: () => Promise<unknown> }) {
  const { error, status, run } = useWrite(reload);
  // On success the incident opens: the quality manager goes on with it there (classify, report).
  const open = async () => {
    let incidentId = '';
    const opened = await run(async () => {
      incidentId = (await api<{ incidentId: string }>('POST', `/ai-systems/${a.aiSystemId}/monitoring-alerts/${a.alertNo}/incident`)).data.incidentId;
    }, t('monitoring.incidentOpened'));
    if (opened) navigate(`/incidents/${incidentId}`);
  };
  return (
    <li data-alert={`${a.aiSystemId}-${a.alertNo}`}>
      {t('monitoring.alertLine', {
        system: a.aiSystemName ?? a.aiSystemId,
        metric: metric(a.metric),
        value: pct(a.value),
        threshold: pct(a.threshold),
        sample: a.sample,
        at: formatDate(a.breachedAt),
      })}{' '}
      {canAct && (
        <button type="button" onClick={() => void open()} disabled={status === t('saving')}>
          {t('monitoring.openIncident')}
        </button>
      )}
      <ProblemSummary error={error} />
    </li>
  );
}

/** Quality manager: per AI system, agreement with confirmed outcomes, overrides and very fast acceptances by month. */
export function MonitoringScreen({ canAct = false }: { canAct?: boolean }) {
  const systems = useLoad(() => get<Page<AiSystem>>('/ai-systems?limit=200'), []);
  const [chosen, setChosen] = useState<string | null>(null);
  const aiSystemId = chosen ?? systems.data?.items[0]?.aiSystemId ?? null;
  const figures = useLoad(async () => (aiSystemId ? get<Monitoring>(`/ai-systems/${aiSystemId}/monitoring`) : undefined), [aiSystemId]);
  const f = figures.data;
  const bars = (value: (x: Monitoring['overall']) => number | null): Bar[] =>
    (f?.byMonth ?? []).flatMap((m) => {
      const v = value(m.figures);
      return v === null ? [] : [{ label: m.key ?? '—', value: v, text: pct(v) }];
    });
  return (
    <>
      <PageTitle>{t('monitoring.title')}</PageTitle>
      <p>{t('monitoring.intro')}</p>
      <MonitoringAlerts canAct={canAct} />
      <ProblemSummary error={systems.error ?? figures.error} />
      {systems.data && systems.data.items.length > 0 && (
        <p>
          <label for="monitoring-system">{t('monitoring.system')}</label>{' '}
          <select id="monitoring-system" value={aiSystemId ?? ''} onChange={(e) => setChosen((e.target as HTMLSelectElement).value)}>
            {systems.data.items.map((s) => (
              <option key={s.aiSystemId} value={s.aiSystemId}>
                {s.name}
              </option>
            ))}
          </select>
        </p>
      )}
      {!f && !figures.error ? (
        <Loading />
      ) : (
        f && (
          <>
            <ChartCard>
              <h2>{t('monitoring.overall')}</h2>
              <table id="monitoring-overall">
                <tbody>
                  <tr>
                    <th scope="row">{t('monitoring.metric.agreement')}</th>
                    <td data-figure="agreement">{pct(f.overall.agreement)}</td>
                    <td>{t('monitoring.ofOutcomes', { n: f.overall.outcomes })}</td>
                  </tr>
                  <tr>
                    <th scope="row">{t('monitoring.metric.sensitivity')}</th>
                    <td data-figure="sensitivity">{pct(f.overall.sensitivity)}</td>
                    <td />
                  </tr>
                  <tr>
                    <th scope="row">{t('monitoring.metric.specificity')}</th>
                    <td data-figure="specificity">{pct(f.overall.specificity)}</td>
                    <td />
                  </tr>
                  <tr>
                    <th scope="row">{t('monitoring.metric.overrideRate')}</th>
                    <td data-figure="overrideRate">{pct(f.overall.overrideRate)}</td>
                    <td>{t('monitoring.ofReviews', { n: f.overall.reviews })}</td>
                  </tr>
                  <tr>
                    <th scope="row">{t('monitoring.metric.fastAcceptanceRate')}</th>
                    <td data-figure="fastAcceptanceRate">{pct(f.overall.fastAcceptanceRate)}</td>
                    <td>{t('monitoring.fastNote', { s: f.fastAcceptanceSeconds })}</td>
                  </tr>
                </tbody>
              </table>
            </ChartCard>
            <ChartCard>
              <BarChart
                id="monitoring-agreement"
                title={t('monitoring.chart.agreement')}
                bars={bars((x) => x.agreement)}
                max={1}
                columns={[t('monitoring.month'), t('monitoring.metric.agreement')]}
              />
            </ChartCard>
            <ChartCard>
              <BarChart
                id="monitoring-overrides"
                title={t('monitoring.chart.overrideRate')}
                bars={bars((x) => x.overrideRate)}
                max={1}
                columns={[t('monitoring.month'), t('monitoring.metric.overrideRate')]}
              />
            </ChartCard>
            <ChartCard>
              <BarChart
                id="monitoring-fast"
                title={t('monitoring.chart.fastAcceptanceRate')}
                bars={bars((x) => x.fastAcceptanceRate)}
                max={1}
                columns={[t('monitoring.month'), t('monitoring.metric.fastAcceptanceRate')]}
              />
            </ChartCard>
            {aiSystemId && canAct && (
              // The figures come from a read model: reload until they count the new outcome.
              <RecordOutcome aiSystemId={aiSystemId} reload={() => until(async () => ((await figures.reload())?.overall.outcomes ?? 0) > f.overall.outcomes)} />
            )}
            {aiSystemId && <MonthlyReport aiSystemId={aiSystemId} />}
          </>
        )
      )}
    </>
  );
}

const FINDINGS = ['positive', 'negative'] as const;
const SOURCES = ['pathology', 'follow-up', 'discharge-diagnosis', 'expert-panel', 'other'] as const;
const emptyOutcome = { outputReference: '', aiFinding: '', confirmedFinding: '', agreesWithAi: '', source: '', ward: '', note: '' };

/**
 * Quality manager: the system's reviewed outputs, however they arrived (by feed or entered by hand
 * with their review), and the confirmed outcome of one recorded against it (POST /outcomes, ADR 0052).
 */
function RecordOutcome({ aiSystemId, reload }: { aiSystemId: string; reload: () => Promise<unknown> }) {
  const reviews = useLoad(() => get<Page<ReviewItem>>(`/reviews?aiSystemId=${aiSystemId}&limit=20`), [aiSystemId]);
  const [form, setForm] = useState(emptyOutcome);
  // One key per filled-in form: a double submit records one outcome.
  const [key, setKey] = useState(newKey);
  const { error, status, run } = useWrite(reload);
  const set = (field: keyof typeof emptyOutcome) => (value: string) => setForm((f) => ({ ...f, [field]: value }));
  const choose = (outputReference: string) => {
    setForm({ ...emptyOutcome, outputReference });
    document.getElementById('outcome-confirmedFinding')?.focus();
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = { aiSystemId, outputReference: form.outputReference, source: form.source };
    if (form.confirmedFinding) body.confirmedFinding = form.confirmedFinding;
    if (form.aiFinding) body.aiFinding = form.aiFinding;
    if (form.agreesWithAi) body.agreesWithAi = form.agreesWithAi === 'yes';
    if (form.ward.trim()) body.ward = form.ward.trim();
    if (form.note.trim()) body.note = form.note;
    const done = await run(() => api('POST', '/outcomes', { body, idempotencyKey: key }), t('monitoring.outcome.recorded'));
    if (done) {
      setForm(emptyOutcome);
      setKey(newKey());
    }
  };
  const field = (f: string) => fieldErrorOf(error, f);
  return (
    <section class="card" aria-labelledby="record-outcome-title" id="record-outcome">
      <h2 id="record-outcome-title">{t('monitoring.outcome.title')}</h2>
      <p>{t('monitoring.outcome.intro')}</p>
      <ItemsTable
        id="reviewed-outputs"
        items={reviews.data?.items.filter((r) => !r.withdrawn)}
        columns={[t('reviews.when'), t('reviews.outputReference'), t('reviews.decision'), { hidden: t('monitoring.outcome.choose') }]}
        row={(r) => (
          <tr key={r.reviewId} data-output-reference={r.outputReference}>
            <td>{formatDate(r.decidedAt)}</td>
            <td class="mono">{r.outputReference}</td>
            <td>
              <span class={`badge decision-${r.decision}`}>{tt(`decision.${r.decision}`)}</span>
            </td>
            <td>
              <button type="button" onClick={() => choose(r.outputReference)} aria-label={t('monitoring.outcome.chooseOne', { ref: r.outputReference })}>
                {t('monitoring.outcome.choose')}
              </button>
            </td>
          </tr>
        )}
      />
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="record-outcome-title">
        <ProblemSummary error={error} />
        <TextField
          id="outcome-outputReference"
          label={t('reviews.outputReference')}
          required
          value={form.outputReference}
          onValue={set('outputReference')}
          error={field('outputReference')}
        />
        <SelectField
          id="outcome-confirmedFinding"
          label={t('monitoring.outcome.confirmedFinding')}
          value={form.confirmedFinding}
          onValue={set('confirmedFinding')}
          placeholder={t('monitoring.outcome.noFinding')}
          options={FINDINGS.map((f) => ({ value: f, label: t(`monitoring.finding.${f}`) }))}
          error={field('confirmedFinding')}
        />
        <SelectField
          id="outcome-aiFinding"
          label={t('monitoring.outcome.aiFinding')}
          value={form.aiFinding}
          onValue={set('aiFinding')}
          placeholder={t('monitoring.outcome.noFinding')}
          options={FINDINGS.map((f) => ({ value: f, label: t(`monitoring.finding.${f}`) }))}
          help={t('monitoring.outcome.handEnteredHelp')}
          error={field('aiFinding')}
        />
        <SelectField
          id="outcome-agreesWithAi"
          label={t('monitoring.outcome.agreesWithAi')}
          value={form.agreesWithAi}
          onValue={set('agreesWithAi')}
          placeholder={t('monitoring.outcome.agreementFromFindings')}
          options={[
            { value: 'yes', label: t('monitoring.outcome.yes') },
            { value: 'no', label: t('monitoring.outcome.no') },
          ]}
          error={field('agreesWithAi')}
        />
        <SelectField
          id="outcome-source"
          label={t('monitoring.outcome.source')}
          required
          value={form.source}
          onValue={set('source')}
          placeholder="—"
          options={SOURCES.map((s) => ({ value: s, label: t(`monitoring.source.${s}`) }))}
          error={field('source')}
        />
        <TextField
          id="outcome-ward"
          label={t('monitoring.outcome.ward')}
          value={form.ward}
          onValue={set('ward')}
          help={t('monitoring.outcome.handEnteredHelp')}
          error={field('ward')}
        />
        <TextField id="outcome-note" label={t('monitoring.outcome.note')} multiline value={form.note} onValue={set('note')} error={field('note')} />
        <button type="submit" class="primary" disabled={status === t('saving')}>
          {t('monitoring.outcome.submit')}
        </button>
        <Status message={status} />
      </form>
    </section>
  );
}

/** The month now in the hospital's time zone, as the report's months are counted (YYYY-MM). */
const thisMonth = () => new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Amsterdam' }).slice(0, 7);

/** The monthly monitoring report of the chosen system as a PDF (GET /ai-systems/{id}/monitoring/report). */
function MonthlyReport({ aiSystemId }: { aiSystemId: string }) {
  const [month, setMonth] = useState(thisMonth());
  const [error, setError] = useState<unknown>(null);
  const fetchReport = async () => {
    try {
      await download(`/ai-systems/${aiSystemId}/monitoring/report?month=${encodeURIComponent(month)}`, `monitoring-${aiSystemId}-${month}.pdf`);
      setError(null);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="card" aria-labelledby="monitoring-report-title">
      <h2 id="monitoring-report-title">{t('monitoring.reportTitle')}</h2>
      <p>{t('monitoring.reportIntro')}</p>
      <ProblemSummary error={error} />
      <TextField
        id="monitoring-report-month"
        label={t('monitoring.reportMonth')}
        type="month"
        value={month}
        onValue={setMonth}
        error={fieldErrorOf(error, 'month')}
      />
      <p class="actions">
        <button type="button" onClick={() => void fetchReport()}>
          {t('monitoring.reportDownload')}
        </button>
      </p>
    </section>
  );
}
