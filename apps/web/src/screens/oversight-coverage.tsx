import { useState } from 'preact/hooks';
import { api, get } from '../api';
import { ChartCard } from '../charts';
import { fieldErrorOf, FormCard, SelectField, TextField, useWrite } from '../forms';
import { formatDate, t } from '../i18n';
import type { AiSystem, Coverage, Page } from '../types';
import { duration, Loading, ProblemSummary, tt, useEntity, useLoad } from '../ui';

interface OverdueAlertItem {
  aiSystemId: string;
  aiSystemName: string;
  limitMinutes: number;
  overdue: number;
  oldestProducedAt: string;
  outputs: Array<{ outputId: string; outputReference: string; modelVersion: string; producedAt: string; urgency: string; ward: string | null }>;
}

const forbidden = (e: unknown) => !!e && typeof e === 'object' && 'problem' in e && (e as { problem: { status: number } }).problem.status === 403;
const seconds = (s: number | null) => (s === null ? '—' : s < 60 ? `${Math.round(s)} s` : duration(s * 1000));

/**
 * The alert on the quality manager's board: AI outputs nobody reviewed within their system's
 * limit. On the board (their first screen, where they act), not among the figures of Insights.
 */
export function OverdueOutputsAlert() {
  const alerts = useLoad(() => get<{ items: OverdueAlertItem[] }>('/ai-outputs/overdue'), []);
  if (forbidden(alerts.error)) return null;
  if (alerts.error) return <ProblemSummary error={alerts.error} />;
  const items = alerts.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <section class="alert-overdue" role="alert" aria-labelledby="overdue-outputs-title" id="overdue-outputs">
      <h2 id="overdue-outputs-title">{t('overdueOutputs.title')}</h2>
      <ul>
        {items.map((a) => (
          <li key={a.aiSystemId} data-ai-system-id={a.aiSystemId}>
            {t('overdueOutputs.line', {
              n: a.overdue,
              system: a.aiSystemName,
              limit: duration(a.limitMinutes * 60_000),
              oldest: formatDate(a.oldestProducedAt),
            })}
            <ul>
              {a.outputs.slice(0, 5).map((o) => (
                <li key={o.outputId}>
                  <span class="mono">{o.outputReference}</span> ({tt(`urgency.${o.urgency}`)}
                  {o.ward ? `, ${o.ward}` : ''}, {formatDate(o.producedAt)})
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * Coverage of oversight per AI system (and per ward): produced, reviewed, overridden, how fast.
 * `canSetLimit` (the roles the API lets change an AI system) adds the form for each system's review limit.
 */
export function CoverageCard({ canSetLimit = false }: { canSetLimit?: boolean }) {
  const coverage = useLoad(async () => {
    const systems = (await get<Page<AiSystem>>('/ai-systems?limit=200')).items;
    return Promise.all(systems.map(async (s) => ({ system: s, c: await get<Coverage>(`/ai-systems/${s.aiSystemId}/coverage`) })));
  }, []);
  const row = (key: string, label: string, c: Omit<Coverage, 'byWard' | 'aiSystemId' | 'from' | 'to' | 'version' | 'ward' | 'asOf' | 'limitMinutes'>) => (
    <tr key={key} data-coverage={key}>
      <th scope="row">{label}</th>
      <td>{`${c.reviewed}/${c.produced}`}</td>
      <td>{c.unreviewed}</td>
      <td>{c.overridden}</td>
      <td>{c.overdue > 0 ? <span class="badge overdue">{c.overdue}</span> : c.overdue}</td>
      <td>{seconds(c.timeToReviewSeconds.median)}</td>
      <td>{seconds(c.timeToReviewSeconds.p90)}</td>
    </tr>
  );
  return (
    <ChartCard>
      <h2 id="coverage-title">{t('coverage.title')}</h2>
      <p class="muted">{t('coverage.note')}</p>
      {forbidden(coverage.error) ? <p>{t('insights.notAllowed')}</p> : <ProblemSummary error={coverage.error} />}
      {!coverage.data && !coverage.error ? (
        <Loading />
      ) : (
        coverage.data && (
          <table id="coverage" aria-labelledby="coverage-title">
            <thead>
              <tr>
                <th scope="col">{t('coverage.system')}</th>
                <th scope="col">{t('coverage.reviewed')}</th>
                <th scope="col">{t('coverage.unreviewed')}</th>
                <th scope="col">{t('coverage.overridden')}</th>
                <th scope="col">{t('coverage.overdue')}</th>
                <th scope="col">{t('coverage.median')}</th>
                <th scope="col">{t('coverage.p90')}</th>
              </tr>
            </thead>
            <tbody>
              {coverage.data.flatMap(({ system, c }) => [
                row(system.aiSystemId, `${system.name} (${t('coverage.limit', { limit: duration(c.limitMinutes * 60_000) })})`, c),
                ...(c.byWard.length > 1 || c.byWard.some((w) => w.ward !== null)
                  ? c.byWard.map((w) => row(`${system.aiSystemId}-${w.ward ?? ''}`, `— ${w.ward ?? t('coverage.noWard')}`, w))
                  : []),
              ])}
            </tbody>
          </table>
        )
      )}
      {canSetLimit && coverage.data && coverage.data.length > 0 && (
        <ReviewLimitForm systems={coverage.data.map(({ system, c }) => ({ system, effective: c.limitMinutes }))} reload={coverage.reload} />
      )}
    </ChartCard>
  );
}

/**
 * Sets how long an output of one AI system may wait for review (`POST /ai-systems/{id}/output-review-limit`),
 * with If-Match on the system as read when it was chosen; empty minutes: the registry default.
 */
function ReviewLimitForm({ systems, reload }: { systems: Array<{ system: AiSystem; effective: number }>; reload: () => Promise<unknown> }) {
  const [aiSystemId, setAiSystemId] = useState(systems[0].system.aiSystemId);
  const [minutes, setMinutes] = useState('');
  const [reason, setReason] = useState('');
  const chosen = useEntity<AiSystem>(`/ai-systems/${aiSystemId}`);
  const { error, status, run } = useWrite(() => Promise.all([chosen.reload(), reload()]));
  const effective = systems.find((s) => s.system.aiSystemId === aiSystemId)?.effective;
  const submit = async (e: Event) => {
    e.preventDefault();
    const typed = minutes.trim();
    // Not a number is sent as typed, so the API names the field rather than the app guessing.
    const limitMinutes = typed === '' ? null : Number.isFinite(Number(typed)) ? Number(typed) : typed;
    const body = { limitMinutes, ...(reason.trim() ? { reason } : {}) };
    if (await run(() => api('POST', `/ai-systems/${aiSystemId}/output-review-limit`, { body, ifMatch: chosen.etag }), t('reviewLimit.saved'))) {
      setMinutes('');
      setReason('');
    }
  };
  const own = chosen.data?.aiSystemId === aiSystemId ? chosen.data.outputReviewLimitMinutes : undefined;
  return (
    <FormCard id="review-limit-title" title={t('reviewLimit.title')} onSubmit={submit} error={error} submitLabel={t('reviewLimit.save')} status={status}>
      <SelectField
        id="review-limit-system"
        label={t('reviewLimit.system')}
        value={aiSystemId}
        onValue={setAiSystemId}
        options={systems.map(({ system }) => ({ value: system.aiSystemId, label: system.name }))}
        error={fieldErrorOf(error, 'id')}
      />
      <p id="review-limit-current">
        {own === undefined || effective === undefined
          ? t('loading')
          : own === null
            ? t('reviewLimit.currentDefault', { limit: duration(effective * 60_000) })
            : t('reviewLimit.current', { limit: duration(own * 60_000) })}
      </p>
      <TextField
        id="review-limit-minutes"
        type="number"
        label={t('reviewLimit.minutes')}
        help={t('reviewLimit.minutesHelp')}
        value={minutes}
        onValue={setMinutes}
        error={fieldErrorOf(error, 'limitMinutes')}
      />
      <TextField id="review-limit-reason" label={t('reviewLimit.reason')} multiline value={reason} onValue={setReason} error={fieldErrorOf(error, 'reason')} />
    </FormCard>
  );
}
