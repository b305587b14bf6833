import { useState } from 'preact/hooks';
import { api, get, newKey } from '../api';
import { formatDate, t } from '../i18n';
import {
  REFUSAL_GROUNDS,
  type SubjectRequestDetail,
  type SubjectRequestKind,
  type SubjectRequestListItem,
  type SubjectRequestWritten,
} from '@app/compliance/contract';
import type { AiSystem, Page } from '../types';
import { Clock, DetailFrame, ItemsTable, Link, PageTitle, ProblemSummary, tt, until, useEntity, useLoad, useNow } from '../ui';
import { fieldErrorOf, FormCard, SelectField, TextField, useWrite } from '../forms';

const KINDS: SubjectRequestKind[] = ['access', 'explanation'];

/**
 * Explanation (AI Act Art. 86) and access (GDPR Art. 15) requests with their deadlines, open ones
 * first and soonest due first (so the overdue lead); record one received. Each opens on its own
 * page (RequestDetail), where it is extended, answered, refused or withdrawn.
 */
export function SubjectRequests({ canWrite }: { canWrite: boolean }) {
  const now = useNow();
  const requests = useLoad(() => get<{ items: SubjectRequestListItem[] }>('/compliance/subject-requests?limit=200'), []);
  const systems = useLoad(() => get<Page<AiSystem>>('/ai-systems?limit=200'), []);
  return (
    <>
      <PageTitle>{t('requests.title')}</PageTitle>
      <p>{t('requests.intro')}</p>
      <ProblemSummary error={requests.error} />
      <ItemsTable
        id="subject-requests"
        items={requests.data?.items}
        columns={[t('requests.due'), t('requests.kind'), t('requests.status'), t('requests.received'), t('requests.patient'), t('requests.basis')]}
        row={(r) => (
          <tr key={r.requestId} data-request-id={r.requestId} data-overdue={r.overdue ? 'true' : 'false'}>
            <td>
              <Clock dueAt={r.dueAt} metAt={r.closedAt} now={now} />
              {r.extendedMonths > 0 && <span class="muted"> {t('requests.extendedBy', { n: r.extendedMonths })}</span>}
            </td>
            <td>
              <Link href={`/requests/${r.requestId}`}>{tt(`requests.kind.${r.kind}`)}</Link>
            </td>
            <td>
              {tt(`requests.status.${r.status}`)}
              {r.late && <span class="muted"> ({t('requests.late')})</span>}
            </td>
            <td>{formatDate(r.receivedAt)}</td>
            <td>
              <code>{r.patientPseudonym.slice(0, 12)}…</code>
            </td>
            <td>{tt(`requests.nature.${r.nature}`)}</td>
          </tr>
        )}
      />
      {canWrite && <ReceiveRequest systems={systems.data?.items ?? []} reload={requests.reload} />}
    </>
  );
}

type Reload = () => Promise<{ items: SubjectRequestListItem[] } | undefined>;

function ReceiveRequest({ systems, reload }: { systems: AiSystem[]; reload: Reload }) {
  const [kind, setKind] = useState<string>('access');
  const [patientId, setPatientId] = useState('');
  const [systemId, setSystemId] = useState('');
  const [channel, setChannel] = useState('');
  const [details, setDetails] = useState('');
  const { error, status, run } = useWrite(reload);
  const submit = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      const body = { kind, patientId, channel, aiSystemId: systemId || undefined, details: details.trim() || undefined };
      const created = await api<SubjectRequestWritten>('POST', '/compliance/subject-requests', { body, idempotencyKey: newKey() });
      setPatientId('');
      setDetails('');
      // The list is a read model a few milliseconds behind the log.
      await until(async () => (await reload())?.items.some((r) => r.requestId === created.data.requestId));
    }, t('requests.recorded'));
  };
  return (
    <FormCard id="receive-request-title" title={t('requests.receiveTitle')} onSubmit={submit} error={error} submitLabel={t('requests.receive')} status={status}>
      <SelectField
        id="request-kind"
        label={t('requests.kind')}
        required
        value={kind}
        onValue={setKind}
        options={KINDS.map((k) => ({ value: k, label: tt(`requests.kind.${k}`) }))}
        error={fieldErrorOf(error, 'kind')}
      />
      <TextField
        id="request-patient"
        label={t('requests.patientId')}
        required
        value={patientId}
        onValue={setPatientId}
        error={fieldErrorOf(error, 'patientId')}
      />
      <SelectField
        id="request-system"
        label={t('requests.system')}
        value={systemId}
        onValue={setSystemId}
        placeholder={t('requests.noSystem')}
        options={systems.map((s) => ({ value: s.aiSystemId, label: s.name }))}
        error={fieldErrorOf(error, 'aiSystemId')}
      />
      <TextField id="request-channel" label={t('requests.channel')} required value={channel} onValue={setChannel} error={fieldErrorOf(error, 'channel')} />
      <TextField id="request-details" label={t('requests.details')} multiline value={details} onValue={setDetails} error={fieldErrorOf(error, 'details')} />
    </FormCard>
  );
}

/** A text as the API answers it: clear, absent (—) or erased with the patient's key. */
function Text({ value }: { value: { text: string | null; erased: boolean } | null }) {
  if (!value || (!value.text && !value.erased)) return <>—</>;
  return value.erased ? <em>{t('requests.erased')}</em> : <span class="prewrap">{value.text}</span>;
}

interface RequestWrite {
  id: string;
  etag: string | null;
  reload: () => Promise<unknown>;
  /** Said on the page, not in the form: the forms go once the request is closed. */
  done: (message: string) => void;
}

/** A change to the request: POST with a fresh Idempotency-Key and the revision as read (If-Match; 409 if it moved on). */
const change = (p: RequestWrite, path: string, body: unknown) =>
  api<SubjectRequestWritten>('POST', `/compliance/subject-requests/${p.id}/${path}`, { body, idempotencyKey: newKey(), ifMatch: p.etag });

/**
 * One request from its events (GET /compliance/subject-requests/{id}): the deadline that holds and
 * the first, each extension with its reasons, the outcome and the history. The deadline is shown
 * as the API computed it. While it is open, the writers extend, answer, refuse or withdraw it.
 */
export function RequestDetail({ id, canWrite }: { id: string; canWrite: boolean }) {
  const now = useNow();
  const request = useEntity<SubjectRequestDetail>(`/compliance/subject-requests/${id}`);
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <DetailFrame back="/requests" backLabel={t('requests.back')} title={t('requests.detailTitle')} entity={request}>
      {(r) => {
        const w = { id, etag: request.etag, reload: request.reload, done: setNotice };
        return (
          <>
            <dl class="facts" id="request-facts" data-status={r.status} data-overdue={r.overdue ? 'true' : 'false'}>
              <dt>{t('requests.kind')}</dt>
              <dd>{tt(`requests.kind.${r.kind}`)}</dd>
              <dt>{t('requests.status')}</dt>
              <dd id="request-status">
                {tt(`requests.status.${r.status}`)}
                {r.outcome?.late && <span class="muted"> ({t('requests.late')})</span>}
              </dd>
              <dt>{t('requests.due')}</dt>
              <dd id="request-deadline">
                <Clock dueAt={r.deadline.dueAt} metAt={r.outcome?.at ?? null} now={now} /> {formatDate(r.deadline.dueAt)}{' '}
                <span class="muted">
                  ({tt(`requests.nature.${r.deadline.nature}`)}; {r.deadline.basis})
                </span>
              </dd>
              {r.extensions.length > 0 && (
                <>
                  <dt>{t('requests.initialDue')}</dt>
                  <dd>{formatDate(r.initialDeadline.dueAt)}</dd>
                </>
              )}
              <dt>{t('requests.received')}</dt>
              <dd>{formatDate(r.receivedAt)}</dd>
              <dt>{t('requests.channel')}</dt>
              <dd>{r.channel}</dd>
              <dt>{t('requests.patient')}</dt>
              <dd>
                <code>{r.patientPseudonym}</code>
              </dd>
              <dt>{t('requests.details')}</dt>
              <dd>
                <Text value={r.details} />
              </dd>
            </dl>
            <section aria-labelledby="request-extensions-title">
              <h2 id="request-extensions-title">{t('requests.extensions')}</h2>
              <ItemsTable
                id="request-extensions"
                items={r.extensions}
                columns={[t('requests.months'), t('requests.newDue'), t('requests.informedAt'), t('requests.reasons'), t('requests.by')]}
                row={(x) => (
                  <tr key={x.dueAt}>
                    <td>{x.months}</td>
                    <td>{formatDate(x.dueAt)}</td>
                    <td>{formatDate(x.informedAt)}</td>
                    <td>
                      <Text value={x.reasons} />
                    </td>
                    <td>{x.by}</td>
                  </tr>
                )}
              />
            </section>
            <section aria-labelledby="request-outcome-title">
              <h2 id="request-outcome-title">{t('requests.outcome')}</h2>
              {r.outcome ? (
                <dl class="facts" id="request-outcome" data-outcome={r.outcome.type}>
                  <dt>{t('requests.status')}</dt>
                  <dd>{tt(`requests.status.${r.outcome.type}`)}</dd>
                  <dt>{t('requests.when')}</dt>
                  <dd>{formatDate(r.outcome.at)}</dd>
                  {r.outcome.ground && (
                    <>
                      <dt>{t('requests.ground')}</dt>
                      <dd>{tt(`requests.ground.${r.outcome.ground}`)}</dd>
                    </>
                  )}
                  {r.outcome.type !== 'withdrawn' && (
                    <>
                      <dt>{r.outcome.type === 'refused' ? t('requests.explanation') : t('requests.answerText')}</dt>
                      <dd>{r.outcome.answerSha256 ? <code>{r.outcome.answerSha256}</code> : <Text value={r.outcome.text} />}</dd>
                    </>
                  )}
                  <dt>{t('requests.by')}</dt>
                  <dd>{r.outcome.by}</dd>
                </dl>
              ) : (
                <p>{t('requests.noOutcome')}</p>
              )}
            </section>
            <section aria-labelledby="request-history-title">
              <h2 id="request-history-title">{t('requests.history')}</h2>
              <ol id="request-history">
                {r.history.map((h) => (
                  <li key={h.globalPosition}>
                    {formatDate(h.recordedAt)} — {tt(`requests.event.${h.type.replace('compliance.', '')}`)} — {(h.actor as { subject?: string }).subject ?? ''}
                  </li>
                ))}
              </ol>
            </section>
            <p class="status" role="status" aria-live="polite" id="request-notice">
              {notice ?? ''}
            </p>
            {canWrite && r.status === 'open' && (
              <>
                <ExtendForm {...w} />
                <AnswerForm {...w} />
                <RefuseForm {...w} />
                <WithdrawForm {...w} />
              </>
            )}
          </>
        );
      }}
    </DetailFrame>
  );
}

function ExtendForm(p: RequestWrite) {
  const [months, setMonths] = useState('1');
  const [reasons, setReasons] = useState('');
  const { error, status, run } = useWrite(p.reload);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await run(() => change(p, 'extension', { months: Number(months), reasons }), null)) {
      setReasons('');
      p.done(t('requests.extended'));
    }
  };
  return (
    <FormCard id="extend-request-title" title={t('requests.extendTitle')} onSubmit={submit} error={error} submitLabel={t('requests.extend')} status={status}>
      <p>{t('requests.extendHelp')}</p>
      <SelectField
        id="extend-months"
        label={t('requests.months')}
        required
        value={months}
        onValue={setMonths}
        options={['1', '2'].map((m) => ({ value: m, label: m }))}
        error={fieldErrorOf(error, 'months')}
      />
      <TextField
        id="extend-reasons"
        label={t('requests.reasons')}
        required
        multiline
        value={reasons}
        onValue={setReasons}
        error={fieldErrorOf(error, 'reasons') ?? fieldErrorOf(error, 'informedAt')}
      />
    </FormCard>
  );
}

function AnswerForm(p: RequestWrite) {
  const [answer, setAnswer] = useState('');
  const [sha, setSha] = useState('');
  const { error, status, run } = useWrite(p.reload);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = { answer: answer.trim() || undefined, answerSha256: sha.trim() || undefined };
    if (await run(() => change(p, 'answer', body), null)) p.done(t('requests.answered'));
  };
  return (
    <FormCard id="answer-request-title" title={t('requests.answerTitle')} onSubmit={submit} error={error} submitLabel={t('requests.answer')} status={status}>
      <p>{t('requests.answerHelp')}</p>
      <TextField id="answer-text" label={t('requests.answerText')} multiline value={answer} onValue={setAnswer} error={fieldErrorOf(error, 'answer')} />
      <TextField id="answer-sha256" label={t('requests.answerSha256')} value={sha} onValue={setSha} error={fieldErrorOf(error, 'answerSha256')} />
    </FormCard>
  );
}

function RefuseForm(p: RequestWrite) {
  const [ground, setGround] = useState('');
  const [explanation, setExplanation] = useState('');
  const { error, status, run } = useWrite(p.reload);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await run(() => change(p, 'refusal', { ground: ground || undefined, explanation }), null)) p.done(t('requests.refused'));
  };
  return (
    <FormCard id="refuse-request-title" title={t('requests.refuseTitle')} onSubmit={submit} error={error} submitLabel={t('requests.refuse')} status={status}>
      <SelectField
        id="refuse-ground"
        label={t('requests.ground')}
        required
        value={ground}
        onValue={setGround}
        placeholder={t('requests.chooseGround')}
        options={REFUSAL_GROUNDS.map((g) => ({ value: g, label: tt(`requests.ground.${g}`) }))}
        error={fieldErrorOf(error, 'ground')}
      />
      <TextField
        id="refuse-explanation"
        label={t('requests.explanation')}
        required
        multiline
        value={explanation}
        onValue={setExplanation}
        error={fieldErrorOf(error, 'explanation')}
      />
    </FormCard>
  );
}

function WithdrawForm(p: RequestWrite) {
  const { error, status, run } = useWrite(p.reload);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await run(() => change(p, 'withdrawal', {}), null)) p.done(t('requests.withdrawn'));
  };
  return (
    <FormCard
      id="withdraw-request-title"
      title={t('requests.withdrawTitle')}
      onSubmit={submit}
      error={error}
      submitLabel={t('requests.withdraw')}
      status={status}
    >
      <p>{t('requests.withdrawHelp')}</p>
    </FormCard>
  );
}
