import { useState } from 'preact/hooks';
import { api, ApiError, get, newKey } from '../api';
import { formatDate, hasText, t, type TextKey } from '../i18n';
import { BREACH_LEVELS, CRITERIA, type Criteria, NO_CRITERIA, type Deadline, type IncidentItem, type IncidentView, type Page } from '../types';
import { Clock, DetailFrame, ItemsTable, Link, PageTitle, ProblemSummary, tt, until, useEntity, useLoad, useNow } from '../ui';
import { Checkbox, fieldErrorOf, FormCard, SelectField, Status, TextField, useWrite } from '../forms';
import { MonitoringAlerts } from './monitoring';
import { OverdueOutputsAlert } from './oversight-coverage';

/** Quality manager: open incidents, the nearest deadline first (the API sorts), with live clocks. */
export function IncidentBoard({ canAct = false }: { canAct?: boolean }) {
  const now = useNow();
  const board = useLoad(() => get<Page<IncidentItem>>('/incidents?status=open&limit=100'), []);
  return (
    <>
      <PageTitle>{t('incidents.title')}</PageTitle>
      <OverdueOutputsAlert />
      <MonitoringAlerts canAct={canAct} />
      <TriageQueue />
      <p>{t('incidents.intro')}</p>
      <ProblemSummary error={board.error} />
      <ItemsTable
        id="incident-board"
        items={board.data?.items}
        columns={[t('incidents.next'), t('incidents.system'), t('incidents.serious'), t('incidents.awareAt'), { hidden: t('incidents.open') }]}
        row={(i) => (
          <tr key={i.incidentId} data-incident-id={i.incidentId}>
            <td>
              {i.nextDeadline ? (
                <Clock dueAt={i.nextDeadline.dueAt} metAt={i.nextDeadline.metAt} now={now} />
              ) : (
                <span class="muted">{t('incidents.noDeadline')}</span>
              )}
            </td>
            <td>{i.aiSystemName}</td>
            <td>{i.serious === null ? <span class="muted">{t('incidents.unclassified')}</span> : i.serious ? '✔' : '—'}</td>
            <td>{formatDate(i.awareAt)}</td>
            <td>
              <Link href={`/incidents/${i.incidentId}`} aria-label={`${t('incidents.open')}: ${i.aiSystemName}, ${formatDate(i.awareAt)}`}>
                {t('incidents.open')}
              </Link>
            </td>
          </tr>
        )}
      />
    </>
  );
}

const noCriteria: Criteria = { ...NO_CRITERIA };

export function IncidentDetail({ id, canWrite }: { id: string; canWrite: boolean }) {
  const now = useNow(15_000);
  const incident = useEntity<IncidentView>(`/incidents/${id}`);
  const etag = incident.etag;
  return (
    <DetailFrame back="/incidents" backLabel={t('incidents.back')} title={`${t('incidents.detail')}: ${incident.data?.aiSystemName ?? '…'}`} entity={incident}>
      {(i) => (
        <>
          <dl class="facts">
            <dt>{t('incidents.narrative')}</dt>
            <dd>{i.narrative.erased ? '[erased]' : i.narrative.text}</dd>
            <dt>{t('incidents.awareAt')}</dt>
            <dd>{formatDate(i.awareAt)}</dd>
            <dt>{t('incidents.status')}</dt>
            <dd>{t(i.status === 'open' ? 'incidents.statusOpen' : 'incidents.statusClosed')}</dd>
          </dl>
          <section aria-labelledby="deadlines-title">
            <h2 id="deadlines-title">{t('incidents.deadlines')}</h2>
            {i.deadlines.length === 0 ? (
              <p class="muted">{t('incidents.noDeadline')}</p>
            ) : (
              <table id="deadlines">
                <thead>
                  <tr>
                    <th scope="col">{t('incidents.obligation')}</th>
                    <th scope="col">{t('incidents.rule')}</th>
                    <th scope="col">{t('incidents.nature')}</th>
                    <th scope="col">{t('incidents.whose')}</th>
                    <th scope="col">{t('incidents.due')}</th>
                    <th scope="col">{t('incidents.left')}</th>
                  </tr>
                </thead>
                <tbody>
                  {i.deadlines.map((d) => (
                    <tr key={d.ruleId ?? d.recipient + d.rule} data-recipient={d.recipient} data-rule={d.ruleId}>
                      <td>{obligation(d)}</td>
                      <td title={d.basis}>{d.rule}</td>
                      <td>{d.nature ? t(`nature.${d.nature}` as TextKey) : ''}</td>
                      <td>{whose(d)}</td>
                      <td>{formatDate(d.dueAt)}</td>
                      <td>
                        <Clock dueAt={d.dueAt} metAt={d.metAt} now={now} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          {canWrite && <Classify incident={i} etag={etag} reload={incident.reload} />}
          {canWrite && <SendReport incident={i} etag={etag} reload={incident.reload} />}
          {canWrite && <RecordReport incident={i} etag={etag} reload={incident.reload} />}
          <Notifications incident={i} etag={etag} reload={incident.reload} canWrite={canWrite} />
        </>
      )}
    </DetailFrame>
  );
}

/** Reports nobody classified yet, oldest first: where a quality manager starts the day. */
function TriageQueue() {
  const queue = useLoad(() => get<{ items: IncidentItem[] }>('/incidents/triage'), []);
  if (!queue.data || queue.data.items.length === 0) return null;
  return (
    <section aria-labelledby="triage-title">
      <h2 id="triage-title">{t('incidents.triage')}</h2>
      <p>{t('incidents.triageIntro')}</p>
      <table id="triage-queue">
        <thead>
          <tr>
            <th scope="col">{t('incidents.reportedAt')}</th>
            <th scope="col">{t('incidents.system')}</th>
            <th scope="col">
              <span class="visually-hidden">{t('incidents.open')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {queue.data.items.map((i) => (
            <tr key={i.incidentId} data-incident-id={i.incidentId}>
              <td>{formatDate(i.detectedAt)}</td>
              <td>
                {i.aiSystemName}
                {i.nearMiss ? ` (${t('report.nearMissShort')})` : ''}
              </td>
              <td>
                <Link href={`/incidents/${i.incidentId}`} aria-label={`${t('incidents.open')}: ${i.aiSystemName}, ${formatDate(i.detectedAt)}`}>
                  {t('incidents.open')}
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * Whose clock it is. Every deadline on the board is the hospital's own; the MDR rows mirror the
 * manufacturer's clock (MDR Art. 87 binds the manufacturer), which runs from its own awareness.
 */
function whose(d: Deadline): string {
  return d.ruleId?.startsWith('mdr.') ? t('whose.mirrorsManufacturer') : t('whose.ours');
}

/** The duty in the chosen language, by its rule id; the API's English text for deadlines from before the rulebook. */
function obligation(d: Deadline): string {
  const key = `rule.${d.ruleId ?? ''}`;
  return hasText(key) ? t(key) : d.obligation;
}

type WriteProps = { incident: IncidentView; etag: string | null; reload: () => Promise<IncidentView | undefined> };

function Classify({ incident, etag, reload }: WriteProps) {
  const c = incident.classification;
  const [serious, setSerious] = useState(c?.serious ?? false);
  const [criteria, setCriteria] = useState<Criteria>(c?.criteria ?? noCriteria);
  const [wkkgz, setWkkgz] = useState(c?.wkkgzCalamity ?? false);
  const [breach, setBreach] = useState<string>(c?.personalDataBreach ?? 'none');
  const [patient, setPatient] = useState(c?.patientConsequences ?? false);
  const [rationale, setRationale] = useState('');
  const { error, status, run } = useWrite(reload);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = { serious, criteria, wkkgzCalamity: wkkgz, personalDataBreach: breach, patientConsequences: patient };
    if (rationale.trim()) body.rationale = rationale;
    const written = await run(
      () => api('POST', `/incidents/${incident.incidentId}/classification`, { body, ifMatch: etag, idempotencyKey: newKey() }),
      t('incidents.classified'),
    );
    if (written) setRationale('');
  };
  return (
    <FormCard
      id="classify-title"
      title={t('incidents.classify')}
      onSubmit={submit}
      error={error}
      submitLabel={t('incidents.saveClassification')}
      status={status}
      primary
    >
      <Checkbox id="serious" label={t('incidents.seriousLabel')} checked={serious} onValue={setSerious} />
      <fieldset>
        <legend>{t('incidents.criteria')}</legend>
        {CRITERIA.map((k) => (
          <Checkbox key={k} id={`criteria-${k}`} label={tt(`criteria.${k}`)} checked={criteria[k]} onValue={(v) => setCriteria((cr) => ({ ...cr, [k]: v }))} />
        ))}
      </fieldset>
      <Checkbox id="wkkgzCalamity" label={t('incidents.wkkgz')} checked={wkkgz} onValue={setWkkgz} />
      <Checkbox id="patientConsequences" label={t('incidents.patientConsequences')} checked={patient} onValue={setPatient} />
      <SelectField
        id="personalDataBreach"
        label={t('incidents.personalDataBreach')}
        value={breach}
        onValue={setBreach}
        options={BREACH_LEVELS.map((b) => ({ value: b, label: t(`breach.${b}`) }))}
        error={fieldErrorOf(error, 'personalDataBreach')}
      />
      <TextField
        id="rationale"
        label={t('incidents.rationale')}
        multiline
        value={rationale}
        onValue={setRationale}
        help={t('incidents.rationaleHelp')}
        error={fieldErrorOf(error, 'rationale')}
      />
    </FormCard>
  );
}

function SendReport({ incident, etag, reload }: WriteProps) {
  const [recipient, setRecipient] = useState('provider');
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setStatus(t('saving'));
    try {
      const { data } = await api<{ notificationId: string }>('POST', `/incidents/${incident.incidentId}/notifications`, {
        body: { recipient },
        ifMatch: etag,
        idempotencyKey: newKey(),
      });
      setError(null);
      setStatus(t('incidents.sent'));
      // The delivery worker sends it in the background; follow it until it is delivered or failed.
      await until(
        async () => {
          const view = await reload();
          const n = view?.notifications.find((x) => x.notificationId === data.notificationId);
          return n && n.status !== 'queued';
        },
        60_000,
        1000,
      );
    } catch (err) {
      setError(err);
      setStatus(null);
      if (err instanceof ApiError && err.problem.status === 409) await reload();
    }
  };
  const [preview, setPreview] = useState<string | null>(null);
  const showPreview = async () => {
    try {
      const report = await get<Record<string, unknown>>(`/incidents/${incident.incidentId}/report-preview?recipient=${encodeURIComponent(recipient)}`);
      setPreview(JSON.stringify(report, null, 2));
      setError(null);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="report-title">
      <h2 id="report-title">{t('incidents.report')}</h2>
      <ProblemSummary error={error} />
      <SelectField
        id="recipient"
        label={t('incidents.recipient')}
        value={recipient}
        onValue={setRecipient}
        options={['provider', 'manufacturer'].map((r) => ({ value: r, label: tt(`recipient.${r}`) }))}
        error={fieldErrorOf(error, 'recipient')}
      />
      <button type="button" onClick={() => void showPreview()}>
        {t('incidents.preview')}
      </button>{' '}
      <button type="submit" class="primary">
        {t('incidents.send')}
      </button>
      {preview && (
        <details open>
          <summary>{t('incidents.previewTitle')}</summary>
          <pre id="report-preview">{preview}</pre>
        </details>
      )}
      <Status message={status} />
    </form>
  );
}

/**
 * A report made elsewhere (an authority's portal, a phone call, the conversation with the patient),
 * recorded with its reference and time so the deadline it meets shows as met.
 */
function RecordReport({ incident, etag, reload }: WriteProps) {
  const [recipient, setRecipient] = useState<string>(RECORDABLE[0]);
  const [kind, setKind] = useState('');
  const [reference, setReference] = useState('');
  const [when, setWhen] = useState('');
  const { error, status, run } = useWrite(reload);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = { recipient, channel: 'recorded' };
    if (kind) body.reportKind = kind;
    if (reference.trim()) body.reference = reference.trim();
    // datetime-local is the browser's local wall-clock time; the API takes an instant.
    if (when) body.notifiedAt = new Date(when).toISOString();
    if (
      await run(
        () => api('POST', `/incidents/${incident.incidentId}/notifications`, { body, ifMatch: etag, idempotencyKey: newKey() }),
        t('incidents.recorded'),
      )
    ) {
      setReference('');
      setWhen('');
      setKind('');
    }
  };
  return (
    <FormCard id="record-title" title={t('incidents.recordTitle')} onSubmit={submit} error={error} submitLabel={t('incidents.record')} status={status}>
      <SelectField
        id="record-recipient"
        label={t('incidents.recipient')}
        value={recipient}
        onValue={setRecipient}
        options={RECORDABLE.map((r) => ({ value: r, label: tt(`recipient.${r}`) }))}
        error={fieldErrorOf(error, 'recipient')}
      />
      <SelectField
        id="record-kind"
        label={t('incidents.reportKind')}
        value={kind}
        onValue={setKind}
        placeholder={t('kind.none')}
        options={REPORT_KINDS.map((k) => ({ value: k, label: t(`kind.${k}`) }))}
        error={fieldErrorOf(error, 'reportKind')}
      />
      <TextField id="record-reference" label={t('incidents.reference')} value={reference} onValue={setReference} error={fieldErrorOf(error, 'reference')} />
      <TextField
        id="record-when"
        label={t('incidents.madeAt')}
        type="datetime-local"
        value={when}
        onValue={setWhen}
        help={t('incidents.madeAtHelp')}
        error={fieldErrorOf(error, 'notifiedAt')}
      />
    </FormCard>
  );
}

/** Whom a report can be recorded for (made elsewhere); the supplier's reports are sent above. */
const RECORDABLE = [
  'igj',
  'market-surveillance-authority',
  'importer-distributor',
  'supervisory-authority',
  'data-subjects',
  'patient',
  'csirt',
  'provider',
  'manufacturer',
] as const;
const REPORT_KINDS = ['incident-notification', 'final-report', 'investigation-report'] as const;

function Notifications({ incident, etag, reload, canWrite }: WriteProps & { canWrite: boolean }) {
  const { error, run } = useWrite(reload);
  if (incident.notifications.length === 0) return null;
  // The same bytes, one more attempt (only for a report the worker gave up on).
  const resend = (notificationId: string) =>
    run(() => api('POST', `/incidents/${incident.incidentId}/notifications/${notificationId}/resend`, { ifMatch: etag, idempotencyKey: newKey() }), null);
  return (
    <section aria-labelledby="notifications-title">
      <h2 id="notifications-title">{t('incidents.notifications')}</h2>
      <ProblemSummary error={error} />
      <table id="notifications">
        <thead>
          <tr>
            <th scope="col">{t('incidents.recipient')}</th>
            <th scope="col">{t('incidents.channel')}</th>
            <th scope="col">{t('incidents.delivery')}</th>
            <th scope="col">{t('incidents.attempts')}</th>
          </tr>
        </thead>
        <tbody>
          {incident.notifications.map((n) => (
            <tr key={n.notificationId} data-notification-id={n.notificationId}>
              <td>{tt(`recipient.${n.recipient}`)}</td>
              <td>{tt(`channel.${n.channel}`)}</td>
              <td>
                <span class={`badge delivery-${n.status}`} data-delivery={n.status}>
                  {tt(`delivery.${n.status}`)}
                </span>{' '}
                {n.deliveredAt && formatDate(n.deliveredAt)}
                {canWrite && n.status === 'gave-up' && (
                  <button type="button" onClick={() => void resend(n.notificationId)}>
                    {t('incidents.resend')}
                  </button>
                )}
              </td>
              <td>{n.attempts}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
