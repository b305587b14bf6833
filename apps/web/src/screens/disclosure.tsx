import { useState } from 'preact/hooks';
import { api, ApiError, download, get, newKey } from '../api';
import { formatDate, lang, t } from '../i18n';
import { navigate } from '../state';
import type { AiSystem, BundleJob, DisclosureItem, DisclosureView, Page, Scope, TimelineEntry } from '../types';
import { DetailFrame, ItemsTable, Link, PageTitle, ProblemSummary, tt, useEntity, useLoad } from '../ui';
import { Checkbox, fieldErrorOf, FormCard, SelectField, Status, TextField } from '../forms';

interface ScopeForm {
  aiSystemIds: string[];
  incidentIds: string;
  patientPseudonyms: string;
  from: string;
  to: string;
}
const lines = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);
const dayStart = (d: string) => (d ? `${d}T00:00:00Z` : undefined);
const scopeBody = (f: ScopeForm) => ({
  aiSystemIds: f.aiSystemIds,
  incidentIds: lines(f.incidentIds),
  patientPseudonyms: lines(f.patientPseudonyms),
  ...(f.from ? { from: dayStart(f.from) } : {}),
  ...(f.to ? { to: dayStart(f.to) } : {}),
});
const formOf = (s: Scope | undefined): ScopeForm => ({
  aiSystemIds: s?.aiSystemIds ?? [],
  incidentIds: (s?.incidentIds ?? []).join('\n'),
  patientPseudonyms: (s?.patientPseudonyms ?? []).join('\n'),
  from: s?.from?.slice(0, 10) ?? '',
  to: s?.to?.slice(0, 10) ?? '',
});

function ScopeFields({ value, onChange, error }: { value: ScopeForm; onChange: (f: ScopeForm) => void; error: unknown }) {
  const systems = useLoad(() => get<Page<AiSystem>>('/ai-systems?limit=200'), []);
  const set = (patch: Partial<ScopeForm>) => onChange({ ...value, ...patch });
  return (
    <fieldset>
      <legend>{t('disclosures.scope')}</legend>
      {fieldErrorOf(error, 'scope') && (
        <p class="error" id="scope-error">
          {fieldErrorOf(error, 'scope')}
        </p>
      )}
      <fieldset class="plain">
        <legend>{t('disclosures.systems')}</legend>
        {(systems.data?.items ?? []).map((s) => (
          <Checkbox
            key={s.aiSystemId}
            id={`system-${s.aiSystemId}`}
            label={`${s.name} (${s.supplierName})`}
            checked={value.aiSystemIds.includes(s.aiSystemId)}
            onValue={(on) => set({ aiSystemIds: on ? [...value.aiSystemIds, s.aiSystemId] : value.aiSystemIds.filter((x) => x !== s.aiSystemId) })}
          />
        ))}
      </fieldset>
      <TextField
        id="incidentIds"
        label={t('disclosures.incidents')}
        multiline
        rows={2}
        value={value.incidentIds}
        onValue={(v) => set({ incidentIds: v })}
        error={fieldErrorOf(error, 'incidentIds')}
      />
      <TextField
        id="patientPseudonyms"
        label={t('disclosures.patients')}
        multiline
        rows={2}
        value={value.patientPseudonyms}
        onValue={(v) => set({ patientPseudonyms: v })}
        error={fieldErrorOf(error, 'patientPseudonyms')}
      />
      <div class="row">
        <TextField
          id="from"
          type="date"
          label={t('disclosures.from')}
          value={value.from}
          onValue={(v) => set({ from: v })}
          error={fieldErrorOf(error, 'from')}
        />
        <TextField id="to" type="date" label={t('disclosures.to')} value={value.to} onValue={(v) => set({ to: v })} error={fieldErrorOf(error, 'to')} />
      </div>
    </fieldset>
  );
}

/** Legal: the requests, and a form to register a new one. */
export function Disclosures({ canWrite }: { canWrite: boolean }) {
  const list = useLoad(() => get<Page<DisclosureItem>>('/disclosure-requests?limit=100'), []);
  return (
    <>
      <PageTitle>{t('disclosures.title')}</PageTitle>
      <ProblemSummary error={list.error} />
      <ItemsTable
        id="disclosures"
        items={list.data?.items}
        columns={[t('disclosures.reference'), t('disclosures.requesterKind'), t('disclosures.dueAt'), t('disclosures.status')]}
        row={(d) => (
          <tr key={d.requestId}>
            <td>
              <Link href={`/disclosures/${d.requestId}`}>{d.reference}</Link>
            </td>
            <td>{d.requester}</td>
            <td>{formatDate(d.dueAt, false)}</td>
            <td>{d.status}</td>
          </tr>
        )}
      />
      {canWrite && <NewDisclosure />}
    </>
  );
}

function NewDisclosure() {
  const [f, setF] = useState({ reference: '', kind: 'court', name: '', legalBasis: 'Product Liability Directive (EU) 2024/2853, Art. 9', dueAt: '' });
  const [scope, setScope] = useState<ScopeForm>(formOf(undefined));
  const [error, setError] = useState<unknown>(null);
  const [key] = useState(newKey);
  const set = (k: keyof typeof f) => (v: string) => setF((x) => ({ ...x, [k]: v }));
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const { data } = await api<{ requestId: string }>('POST', '/disclosure-requests', {
        body: {
          reference: f.reference,
          requester: { kind: f.kind, name: f.name },
          legalBasis: f.legalBasis,
          dueAt: f.dueAt ? `${f.dueAt}T23:59:59Z` : '',
          scope: scopeBody(scope),
        },
        idempotencyKey: key,
      });
      navigate(`/disclosures/${data.requestId}`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <FormCard id="new-title" title={t('disclosures.new')} onSubmit={submit} error={error} submitLabel={t('disclosures.create')} primary>
      <TextField
        id="reference"
        label={t('disclosures.reference')}
        required
        value={f.reference}
        onValue={set('reference')}
        error={fieldErrorOf(error, 'reference')}
      />
      <SelectField
        id="requesterKind"
        label={t('disclosures.requesterKind')}
        value={f.kind}
        onValue={set('kind')}
        options={['court', 'claimant', 'authority', 'other'].map((k) => ({ value: k, label: tt(`kind.${k}`) }))}
        error={fieldErrorOf(error, 'requester.kind')}
      />
      <TextField
        id="requesterName"
        label={t('disclosures.requesterName')}
        required
        value={f.name}
        onValue={set('name')}
        error={fieldErrorOf(error, 'requester.name')}
      />
      <TextField
        id="legalBasis"
        label={t('disclosures.legalBasis')}
        required
        value={f.legalBasis}
        onValue={set('legalBasis')}
        error={fieldErrorOf(error, 'legalBasis')}
      />
      <TextField id="dueAt" type="date" label={t('disclosures.dueAt')} required value={f.dueAt} onValue={set('dueAt')} error={fieldErrorOf(error, 'dueAt')} />
      <ScopeFields value={scope} onChange={setScope} error={error} />
    </FormCard>
  );
}

export function DisclosureDetail({ id, canWrite }: { id: string; canWrite: boolean }) {
  const request = useEntity<DisclosureView>(`/disclosure-requests/${id}`);
  const etag = request.etag;
  return (
    <DetailFrame
      back="/disclosures"
      backLabel={t('disclosures.back')}
      title={t('disclosures.detail', { ref: request.data?.reference ?? '…' })}
      entity={request}
    >
      {(d) => (
        <>
          {canWrite && <ScopeEditor request={d} etag={etag} reload={request.reload} />}
          <TimelinePreview scope={d.scope} />
          {canWrite && <BundleExport request={d} reload={request.reload} />}
        </>
      )}
    </DetailFrame>
  );
}

function ScopeEditor({ request, etag, reload }: { request: DisclosureView; etag: string | null; reload: () => Promise<unknown> }) {
  const [scope, setScope] = useState(formOf(request.scope));
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await api('POST', `/disclosure-requests/${request.requestId}/scope`, {
        body: { scope: scopeBody(scope), reason },
        ifMatch: etag,
        idempotencyKey: newKey(),
      });
      setError(null);
      setReason('');
      await reload();
      setStatus(t('disclosures.scopeSaved'));
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.problem.status === 409) await reload();
    }
  };
  return (
    <FormCard id="scope-title" title={t('disclosures.scope')} onSubmit={submit} error={error} submitLabel={t('disclosures.saveScope')} status={status} primary>
      <ScopeFields value={scope} onChange={setScope} error={error} />
      <TextField id="scopeReason" label={t('disclosures.scopeReason')} required value={reason} onValue={setReason} error={fieldErrorOf(error, 'reason')} />
    </FormCard>
  );
}

/** What the bundle will hold, as a timeline: one reconstruction per scope item, merged in log order. */
function TimelinePreview({ scope }: { scope: Scope }) {
  const [entries, setEntries] = useState<TimelineEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const preview = async () => {
    try {
      const queries = [
        ...scope.aiSystemIds.map((x) => `system=${x}`),
        ...scope.incidentIds.map((x) => `incident=${x}`),
        ...scope.patientPseudonyms.map((x) => `patient=${x}`),
      ];
      const answers = await Promise.all(queries.map((q) => get<{ timeline: TimelineEntry[] }>(`/reconstruction?${q}`)));
      const byPosition = new Map(answers.flatMap((a) => a.timeline).map((e) => [e.position, e]));
      const inWindow = (e: TimelineEntry) => (!scope.from || e.occurredAt >= scope.from) && (!scope.to || e.occurredAt < scope.to);
      setEntries([...byPosition.values()].filter(inWindow).sort((a, b) => a.position - b.position));
      setError(null);
    } catch (err) {
      setError(err);
    }
  };
  const nl = lang.get() === 'nl';
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">{t('disclosures.timeline')}</h2>
      <button type="button" onClick={() => void preview()}>
        {t('disclosures.preview')}
      </button>
      <ProblemSummary error={error} />
      {entries && (
        <table id="timeline">
          <thead>
            <tr>
              <th scope="col">{t('disclosures.occurred')}</th>
              <th scope="col">{t('disclosures.recorded')}</th>
              <th scope="col">{t('disclosures.what')}</th>
              <th scope="col">{t('disclosures.who')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.position}>
                <td>{formatDate(e.occurredAt)}</td>
                <td>
                  {formatDate(e.recordedAt)} {e.late && <span class="badge late">{t('disclosures.late')}</span>}
                </td>
                <td>
                  {nl ? e.labelNl : e.label}
                  {e.text && <span class="muted"> — {e.text}</span>}
                </td>
                <td>
                  {e.actor} ({tt(`role.${e.role}`)})
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function BundleExport({ request, reload }: { request: DisclosureView; reload: () => Promise<unknown> }) {
  const [job, setJob] = useState<BundleJob | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<string | null>(null);
  const start = async () => {
    setError(null);
    try {
      let { data } = await api<BundleJob>('POST', `/disclosure-requests/${request.requestId}/bundles`);
      setJob(data);
      while (data.status === 'running') {
        await new Promise((r) => setTimeout(r, 300));
        data = await get<BundleJob>(`/disclosure-requests/${request.requestId}/bundles/${data.bundleId}`);
        setJob(data);
      }
      if (data.status === 'failed') throw new Error(data.error ?? 'export failed');
      await reload();
    } catch (err) {
      setError(err);
    }
  };
  const save = async () => {
    if (!job?.download) return;
    await download(job.download.replace(/^\/api\/v1/, ''), `bundle-${job.bundleId}.zip`);
    setStatus(t('disclosures.downloaded'));
  };
  const pct = job ? (job.status === 'done' ? 100 : Math.round((100 * job.progress.done) / Math.max(1, job.progress.total))) : 0;
  return (
    <section aria-labelledby="export-title" class="card">
      <h2 id="export-title">{t('disclosures.export')}</h2>
      <ProblemSummary error={error} />
      <button type="button" class="primary" onClick={() => void start()} disabled={job?.status === 'running'}>
        {t('disclosures.export')}
      </button>
      {job && (
        <div class="export">
          <label for="export-progress">{job.status === 'done' ? t('disclosures.progress') : t('disclosures.exporting', { phase: job.progress.phase })}</label>
          <progress id="export-progress" max={100} value={pct} data-status={job.status}>
            {pct}%
          </progress>
          {job.status === 'done' && (
            <>
              <p id="bundle-ready">{t('disclosures.exported', { events: job.eventCount ?? 0, sha: job.bundleSha256 ?? '' })}</p>
              <button type="button" onClick={() => void save()}>
                {t('disclosures.download')}
              </button>
            </>
          )}
        </div>
      )}
      <Status message={status} />
      {request.bundles.length > 0 && (
        <>
          <h3>{t('disclosures.bundles')}</h3>
          <ul class="mono">
            {request.bundles.map((b) => (
              <li key={b.bundleId}>
                {formatDate(b.exportedAt)} — {b.eventCount} — sha256 {b.bundleSha256}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
