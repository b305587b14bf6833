import { useState } from 'preact/hooks';
import { api, get, newKey } from '../api';
import { formatDate, t } from '../i18n';
import type { SubjectRequestKind, SubjectRequestListItem, SubjectRequestWritten } from '@app/compliance/contract';
import type { AiSystem, Page } from '../types';
import { Clock, ItemsTable, PageTitle, ProblemSummary, tt, until, useLoad, useNow } from '../ui';
import { fieldErrorOf, FormCard, SelectField, TextField, useWrite } from '../forms';

const KINDS: SubjectRequestKind[] = ['access', 'explanation'];

/**
 * Explanation (AI Act Art. 86) and access (GDPR Art. 15) requests with their deadlines, open ones
 * first and soonest due first (so the overdue lead); record one received, extend it, answer it.
 */
export function SubjectRequests({ canWrite }: { canWrite: boolean }) {
  const now = useNow();
  const requests = useLoad(() => get<{ items: SubjectRequestListItem[] }>('/compliance/subject-requests?limit=200'), []);
  const systems = useLoad(() => get<Page<AiSystem>>('/ai-systems?limit=200'), []);
  const open = requests.data?.items.filter((r) => r.status === 'open') ?? [];
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
            <td>{tt(`requests.kind.${r.kind}`)}</td>
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
      {canWrite && (
        <>
          <ReceiveRequest systems={systems.data?.items ?? []} reload={requests.reload} />
          <ExtendRequest open={open} reload={requests.reload} />
          <AnswerRequest open={open} reload={requests.reload} />
        </>
      )}
    </>
  );
}

type Reload = () => Promise<{ items: SubjectRequestListItem[] } | undefined>;

const label = (r: SubjectRequestListItem) => `${tt(`requests.kind.${r.kind}`)} · ${formatDate(r.receivedAt)} · ${r.patientPseudonym.slice(0, 12)}…`;

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

function ExtendRequest({ open, reload }: { open: SubjectRequestListItem[]; reload: Reload }) {
  const [requestId, setRequestId] = useState('');
  const [months, setMonths] = useState('1');
  const [reasons, setReasons] = useState('');
  const { error, status, run } = useWrite(reload);
  const submit = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      await api('POST', `/compliance/subject-requests/${requestId}/extension`, { body: { months: Number(months), reasons } });
      setReasons('');
    }, t('requests.extended'));
  };
  return (
    <FormCard id="extend-request-title" title={t('requests.extendTitle')} onSubmit={submit} error={error} submitLabel={t('requests.extend')} status={status}>
      <p>{t('requests.extendHelp')}</p>
      <SelectField
        id="extend-request"
        label={t('requests.request')}
        required
        value={requestId}
        onValue={setRequestId}
        placeholder={t('requests.choose')}
        options={open.map((r) => ({ value: r.requestId, label: label(r) }))}
        error={fieldErrorOf(error, 'id')}
      />
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

function AnswerRequest({ open, reload }: { open: SubjectRequestListItem[]; reload: Reload }) {
  const [requestId, setRequestId] = useState('');
  const [answer, setAnswer] = useState('');
  const { error, status, run } = useWrite(reload);
  const submit = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      await api('POST', `/compliance/subject-requests/${requestId}/answer`, { body: { answer } });
      setAnswer('');
      await until(async () => (await reload())?.items.some((r) => r.requestId === requestId && r.status === 'answered'));
    }, t('requests.answered'));
  };
  return (
    <FormCard id="answer-request-title" title={t('requests.answerTitle')} onSubmit={submit} error={error} submitLabel={t('requests.answer')} status={status}>
      <SelectField
        id="answer-request"
        label={t('requests.request')}
        required
        value={requestId}
        onValue={setRequestId}
        placeholder={t('requests.choose')}
        options={open.map((r) => ({ value: r.requestId, label: label(r) }))}
        error={fieldErrorOf(error, 'id')}
      />
      <TextField
        id="answer-text"
        label={t('requests.answerText')}
        required
        multiline
        value={answer}
        onValue={setAnswer}
        error={fieldErrorOf(error, 'answer')}
      />
    </FormCard>
  );
}
