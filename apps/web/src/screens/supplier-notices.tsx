import { useState } from 'preact/hooks';
import { api, ApiError, get, newKey } from '../api';
import { formatDate, t, type TextKey } from '../i18n';
import type { SupplierNoticeKind, SupplierNoticeSummary, SupplierNoticeView } from '@app/ai-systems/contract';
import type { AiSystem, Page } from '../types';
import { Clock, DetailFrame, ItemsTable, Link, PageTitle, ProblemSummary, tt, until, useEntity, useLoad, useNow } from '../ui';
import { Checkbox, fieldErrorOf, FormCard, SelectField, TextField, useWrite } from '../forms';

// Shapes of /supplier-notices answers (the OpenAPI document at /docs has them in full).
type Kind = SupplierNoticeKind;
type NoticeItem = SupplierNoticeSummary;
type NoticeView = SupplierNoticeView;
type SystemRow = AiSystem & { knownVersions: string[] };

const KINDS: Kind[] = ['field-safety-notice', 'security-advisory'];
/** A date field's value (YYYY-MM-DD) goes as it is: the API reads it as that whole day in Amsterdam. */
const dateOrUndefined = (v: string) => (v ? v : undefined);

/** Quality manager (legal and auditor read): open notices, overdue first, and the form for a new one. */
export function SupplierNotices({ canWrite }: { canWrite: boolean }) {
  const now = useNow();
  const notices = useLoad(() => get<Page<NoticeItem>>('/supplier-notices?open=true&limit=200'), []);
  const systems = useLoad(() => get<Page<SystemRow>>('/ai-systems?limit=200'), []);
  const nameOf = (id: string) => systems.data?.items.find((s) => s.aiSystemId === id)?.name ?? id;
  return (
    <>
      <PageTitle>{t('notices.title')}</PageTitle>
      <p>{t('notices.intro')}</p>
      <ProblemSummary error={notices.error} />
      <ItemsTable
        id="supplier-notices"
        items={notices.data?.items}
        columns={[t('notices.next'), t('notices.kind'), t('notices.system'), t('notices.noticeTitle'), t('notices.versions'), { hidden: t('notices.open') }]}
        row={(n) => (
          <tr key={n.supplierNoticeId} data-notice-id={n.supplierNoticeId} data-overdue={n.overdue ? 'true' : 'false'}>
            <td>{n.nextDueAt ? <Clock dueAt={n.nextDueAt} now={now} /> : <span class="muted">{t('notices.noDeadline')}</span>}</td>
            <td>{tt(`notices.kind.${n.kind}`)}</td>
            <td>{nameOf(n.aiSystemId)}</td>
            <td>
              {n.title} <span class="muted">({n.supplierReference})</span>
            </td>
            <td>{n.affectedVersions.join(', ')}</td>
            <td>
              <Link href={`/supplier-notices/${n.supplierNoticeId}`} aria-label={`${t('notices.open')}: ${n.supplierReference}`}>
                {t('notices.open')}
              </Link>
            </td>
          </tr>
        )}
      />
      {canWrite && systems.data && <ReceiveNotice systems={systems.data.items} reload={notices.reload} />}
    </>
  );
}

function ReceiveNotice({ systems, reload }: { systems: SystemRow[]; reload: () => Promise<Page<NoticeItem> | undefined> }) {
  const [systemId, setSystemId] = useState('');
  const [kind, setKind] = useState<string>(KINDS[0]);
  const [reference, setReference] = useState('');
  const [title, setTitle] = useState('');
  const [versions, setVersions] = useState<string[]>([]);
  const [requested, setRequested] = useState('');
  const [requestedBy, setRequestedBy] = useState('');
  const [actBy, setActBy] = useState('');
  const [document, setDocument] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<string | null>(null);
  const system = systems.find((s) => s.aiSystemId === systemId);
  const submit = async (e: Event) => {
    e.preventDefault();
    setStatus(t('saving'));
    try {
      if (!systemId)
        throw new ApiError({ title: t('notices.chooseSystem'), status: 400, errors: [{ field: 'aiSystemId', message: t('notices.chooseSystem') }] });
      const body: Record<string, unknown> = { kind, supplierReference: reference, title, affectedVersions: versions, actBy: dateOrUndefined(actBy) };
      if (requested.trim() || requestedBy) body.requestedAction = { description: requested, dueBy: dateOrUndefined(requestedBy) };
      if (document.trim()) body.documentReference = document.trim();
      const created = await api<{ supplierNoticeId: string }>('POST', `/ai-systems/${systemId}/supplier-notices`, { body, idempotencyKey: newKey() });
      setError(null);
      setReference('');
      setTitle('');
      setVersions([]);
      setRequested('');
      setRequestedBy('');
      setActBy('');
      setDocument('');
      // The list is a read model a few milliseconds behind the log.
      await until(async () => (await reload())?.items.some((n) => n.supplierNoticeId === created.data.supplierNoticeId));
      setStatus(t('notices.received'));
    } catch (err) {
      setError(err);
      setStatus(null);
    }
  };
  const toggle = (v: string, on: boolean) => setVersions(on ? [...versions, v] : versions.filter((x) => x !== v));
  return (
    <FormCard id="receive-title" title={t('notices.receiveTitle')} onSubmit={submit} error={error} submitLabel={t('notices.receive')} status={status}>
      <SelectField
        id="notice-system"
        label={t('notices.system')}
        required
        value={systemId}
        onValue={(v) => {
          setSystemId(v);
          setVersions([]);
        }}
        placeholder={t('notices.chooseSystem')}
        options={systems.map((s) => ({ value: s.aiSystemId, label: s.name }))}
        error={fieldErrorOf(error, 'aiSystemId')}
      />
      <SelectField
        id="notice-kind"
        label={t('notices.kind')}
        required
        value={kind}
        onValue={setKind}
        options={KINDS.map((k) => ({ value: k, label: t(`notices.kind.${k}` as TextKey) }))}
        error={fieldErrorOf(error, 'kind')}
      />
      <TextField
        id="notice-reference"
        label={t('notices.reference')}
        required
        value={reference}
        onValue={setReference}
        error={fieldErrorOf(error, 'supplierReference')}
      />
      <TextField id="notice-title" label={t('notices.noticeTitle')} required value={title} onValue={setTitle} error={fieldErrorOf(error, 'title')} />
      {system && (
        <fieldset>
          <legend>{t('notices.versions')}</legend>
          {(system.knownVersions ?? [system.currentVersion]).map((v) => (
            <Checkbox key={v} id={`notice-version-${v}`} label={v} checked={versions.includes(v)} onValue={(on) => toggle(v, on)} />
          ))}
          {fieldErrorOf(error, 'affectedVersions') && <p class="error">{fieldErrorOf(error, 'affectedVersions')}</p>}
        </fieldset>
      )}
      <TextField
        id="notice-requested"
        label={t('notices.requested')}
        multiline
        value={requested}
        onValue={setRequested}
        error={fieldErrorOf(error, 'requestedAction.description')}
      />
      <TextField
        id="notice-requested-by"
        label={t('notices.requestedBy')}
        type="date"
        value={requestedBy}
        onValue={setRequestedBy}
        error={fieldErrorOf(error, 'requestedAction.dueBy')}
      />
      <TextField
        id="notice-act-by"
        label={t('notices.actBy')}
        help={t('notices.actByHelp')}
        type="date"
        value={actBy}
        onValue={setActBy}
        error={fieldErrorOf(error, 'actBy')}
      />
      <TextField id="notice-document" label={t('notices.document')} value={document} onValue={setDocument} error={fieldErrorOf(error, 'documentReference')} />
    </FormCard>
  );
}

export function SupplierNoticeDetail({ id, canWrite }: { id: string; canWrite: boolean }) {
  const now = useNow(15_000);
  const notice = useEntity<NoticeView>(`/supplier-notices/${id}`);
  const etag = notice.etag;
  return (
    <DetailFrame
      back="/supplier-notices"
      backLabel={t('notices.back')}
      title={`${t('notices.detail')}: ${notice.data?.supplierReference ?? '…'}`}
      entity={notice}
    >
      {(n) => (
        <>
          <dl class="facts">
            <dt>{t('notices.kind')}</dt>
            <dd>{tt(`notices.kind.${n.kind}`)}</dd>
            <dt>{t('notices.noticeTitle')}</dt>
            <dd>{n.title}</dd>
            <dt>{t('notices.versions')}</dt>
            <dd>{n.affectedVersions.join(', ')}</dd>
            <dt>{t('notices.receivedAt')}</dt>
            <dd>{formatDate(n.receivedAt)}</dd>
            {n.requestedAction && (
              <>
                <dt>{t('notices.requested')}</dt>
                <dd>{n.requestedAction.description}</dd>
              </>
            )}
            {n.documentReference && (
              <>
                <dt>{t('notices.document')}</dt>
                <dd>{n.documentReference}</dd>
              </>
            )}
            <dt>{t('notices.status')}</dt>
            <dd>{tt(`notices.status.${n.status}`)}</dd>
            {n.closure && (
              <>
                <dt>{t('notices.conclusion')}</dt>
                <dd>{n.closure.conclusion}</dd>
              </>
            )}
          </dl>
          <section aria-labelledby="notice-deadlines-title">
            <h2 id="notice-deadlines-title">{t('notices.deadlines')}</h2>
            {n.deadlines.length === 0 ? (
              <p class="muted">{t('notices.noDeadline')}</p>
            ) : (
              <ul id="notice-deadlines">
                {n.deadlines.map((d) => (
                  <li key={d.kind} data-deadline={d.kind}>
                    {tt(`notices.deadline.${d.kind}`)}: {formatDate(d.dueAt)} <Clock dueAt={d.dueAt} metAt={d.metAt} now={now} />
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="notice-actions-title">
            <h2 id="notice-actions-title">{t('notices.actions')}</h2>
            {n.actions.length === 0 ? (
              <p class="muted">{t('none')}</p>
            ) : (
              <ul id="notice-actions">
                {n.actions.map((a, i) => (
                  <li key={i}>
                    {formatDate(a.doneAt)}: {a.description} <span class="muted">({a.doneBy.subject})</span>
                    {a.completesRequestedAction && <strong> ✓ {t('notices.completes')}</strong>}
                  </li>
                ))}
              </ul>
            )}
          </section>
          {canWrite && n.status === 'open' && <RecordAction id={id} etag={etag} reload={notice.reload} />}
          {canWrite && n.status === 'open' && <CloseNotice id={id} etag={etag} reload={notice.reload} />}
        </>
      )}
    </DetailFrame>
  );
}

type WriteProps = { id: string; etag: string | null; reload: () => Promise<NoticeView | undefined> };

function RecordAction({ id, etag, reload }: WriteProps) {
  const [description, setDescription] = useState('');
  const [completes, setCompletes] = useState(false);
  const { error, status, run } = useWrite(reload);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = { description, completesRequestedAction: completes };
    if (await run(() => api('POST', `/supplier-notices/${id}/actions`, { body, ifMatch: etag, idempotencyKey: newKey() }), t('notices.actionRecorded'))) {
      setDescription('');
      setCompletes(false);
    }
  };
  return (
    <FormCard id="action-title" title={t('notices.actionTitle')} onSubmit={submit} error={error} submitLabel={t('notices.recordAction')} status={status}>
      <TextField
        id="action-description"
        label={t('notices.actionDescription')}
        required
        multiline
        value={description}
        onValue={setDescription}
        error={fieldErrorOf(error, 'description')}
      />
      <Checkbox id="action-completes" label={t('notices.completesLabel')} checked={completes} onValue={setCompletes} />
    </FormCard>
  );
}

function CloseNotice({ id, etag, reload }: WriteProps) {
  const [conclusion, setConclusion] = useState('');
  const { error, status, run } = useWrite(reload);
  const submit = async (e: Event) => {
    e.preventDefault();
    await run(() => api('POST', `/supplier-notices/${id}/close`, { body: { conclusion }, ifMatch: etag, idempotencyKey: newKey() }), t('notices.closed'));
  };
  return (
    <FormCard id="close-notice-title" title={t('notices.closeTitle')} onSubmit={submit} error={error} submitLabel={t('notices.close')} status={status}>
      <TextField
        id="notice-conclusion"
        label={t('notices.conclusion')}
        required
        multiline
        value={conclusion}
        onValue={setConclusion}
        error={fieldErrorOf(error, 'conclusion')}
      />
    </FormCard>
  );
}
