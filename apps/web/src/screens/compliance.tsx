import { useState } from 'preact/hooks';
import { api, download, get, newKey, upload } from '../api';
import { formatDate, hasText, t, type TextKey } from '../i18n';
import {
  type ComplianceDashboard,
  type ComplianceDocumentItem,
  type ComplianceDocumentList,
  type ComplianceFile,
  type CompetenceFlagCount,
  type DashboardEntry,
  DOCUMENT_KIND_OPTIONS,
} from '../types';
import { fieldErrorOf, FormCard, SelectField, TextField, useWrite } from '../forms';
import { DetailFrame, ItemsTable, Link, PageTitle, ProblemSummary, useEntity, useLoad } from '../ui';
import { FlaggedReviews } from './flagged-reviews';
import { AssessmentForm, ClassifyForm, CompetenceForm, InformationForm, ModificationForm, Opens, PolicyForm, WithdrawCompetence } from './compliance-forms';

/** A code from the API shown in the chosen language when the app has a text for it, else as it is. */
const label = (prefix: string, code: string) => (hasText(`${prefix}.${code}`) ? t(`${prefix}.${code}` as TextKey) : code);
const day = (d: string | null) => (d ? formatDate(d, false) : '—');
const today = () => new Date().toLocaleDateString('en-CA', { timeZone: 'Europe/Amsterdam' });

/** Issue 23 item 7: every system's compliance file at a glance (quality manager, legal, auditor, administrator). */
export function ComplianceDashboardScreen() {
  const board = useLoad(() => get<ComplianceDashboard>('/compliance/dashboard'), []);
  // Reviews recorded with the competence flag, per system (issue 23 item 4); counts only.
  const flags = useLoad(() => get<{ systems: CompetenceFlagCount[] }>('/reviews/competence-flags'), []);
  const flagged = new Map((flags.data?.systems ?? []).map((f) => [f.aiSystemId, f.flagged]));
  return (
    <>
      <PageTitle>{t('compliance.title')}</PageTitle>
      <p>{t('compliance.intro')}</p>
      <ProblemSummary error={board.error ?? flags.error} />
      <ItemsTable
        id="compliance-dashboard"
        items={board.data?.systems}
        columns={[
          t('compliance.system'),
          t('compliance.status'),
          t('compliance.complete'),
          t('compliance.missing'),
          t('compliance.overdue'),
          t('flagged.column'),
          t('compliance.items'),
        ]}
        row={(s: DashboardEntry) => (
          <tr key={s.aiSystemId} data-system-id={s.aiSystemId} data-status={s.status}>
            <td>
              <Link href={`/compliance/${s.aiSystemId}`}>{s.name}</Link>
            </td>
            <td>
              <span class={`badge status-${s.status}`}>{label('compliance.status', s.status)}</span>
            </td>
            <td>{s.counts.complete}</td>
            <td>{s.counts.missing}</td>
            <td>{s.counts.overdue}</td>
            <td data-flagged={flagged.get(s.aiSystemId) ?? 0}>
              {flagged.get(s.aiSystemId) ? <Link href={`/compliance/${s.aiSystemId}`}>{t('flagged.count', { n: flagged.get(s.aiSystemId)! })}</Link> : 0}
            </td>
            <td>
              <ul class="compact">
                {s.overdue.map((i) => (
                  <li key={i.text} class="overdue">
                    <strong>{t('compliance.overdueItem')}</strong> {i.text}
                  </li>
                ))}
                {s.missing.map((i) => (
                  <li key={i.text}>
                    <strong>{t('compliance.missingItem')}</strong> {i.text}
                  </li>
                ))}
              </ul>
            </td>
          </tr>
        )}
      />
    </>
  );
}

/**
 * Who may write what on the file, as the API enforces it (compliance.controller MANAGERS and
 * DOCUMENT_WRITERS, information.controller WRITERS; docs/roles.md): classification, Art. 25
 * assessments, assessments and competence by quality management and the administrator; documents
 * and information duties also by legal counsel; auditors read.
 */
export interface FileRights {
  manage: boolean;
  /** The system's reviews (ai-system-reviews.controller: quality manager, legal, auditor). */
  reviews: boolean;
  inform: boolean;
  documents: boolean;
}

/** The file of one system: classification, assessments with review dates, competence, information duties, documents, and its export as of a date. */
export function ComplianceFileScreen({ id, rights }: { id: string; rights: FileRights }) {
  const file = useEntity<ComplianceFile>(`/ai-systems/${id}/compliance`);
  // Said here, not in the withdrawal form: the form goes once the person holds no record to withdraw.
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <DetailFrame back="/compliance" backLabel={t('compliance.back')} title={t('compliance.fileTitle')} entity={file}>
      {(f) => {
        const w = { id, file: f, etag: file.etag, reload: file.reload };
        return (
          <>
            <section aria-labelledby="classification-title">
              <h2 id="classification-title">{t('compliance.classification')}</h2>
              {f.prohibited && (
                <div class="problem" role="alert" id="compliance-prohibited">
                  <p>
                    <strong>{t('compliance.prohibitedTitle')}:</strong> {f.prohibited}
                  </p>
                </div>
              )}
              {f.classification ? (
                <dl class="facts">
                  <dt>{t('compliance.riskClass')}</dt>
                  <dd>
                    {label('compliance.class', f.classification.aiActRiskClass)} ({f.classification.legalGround}
                    {f.classification.legalGroundPoint ? `, ${f.classification.legalGroundPoint}` : ''})
                  </dd>
                  <dt>{t('compliance.role')}</dt>
                  <dd>{label('compliance.role', f.role ?? f.classification.role)}</dd>
                  <dt>{t('compliance.mdrClass')}</dt>
                  <dd>
                    {f.classification.mdrClass}
                    {f.classification.inHouseDevice ? ` — ${t('compliance.inHouse')}` : ''}
                  </dd>
                  <dt>{t('compliance.dutiesFrom')}</dt>
                  <dd>
                    {day(f.classification.dutiesApplyFrom)} <span class="muted">({f.classification.dutiesApplyFromBasis})</span>
                  </dd>
                  <dt>{t('compliance.decided')}</dt>
                  <dd>
                    {day(f.classification.decidedOn)} — {f.classification.decidedBy.subject}
                  </dd>
                  <dt>{t('compliance.rationale')}</dt>
                  <dd>{f.classification.rationale}</dd>
                </dl>
              ) : (
                <p>{t('compliance.notClassified')}</p>
              )}
              {rights.manage && (
                <Opens formId="classify-form" title={t('compliance.classifyTitle')}>
                  <ClassifyForm {...w} />
                </Opens>
              )}
              {(f.modifications.length > 0 || rights.manage) && <h3 id="modifications-title">{t('compliance.modifications')}</h3>}
              {f.modifications.length > 0 && (
                <ItemsTable
                  id="compliance-modifications"
                  items={f.modifications}
                  columns={[
                    t('compliance.change'),
                    t('compliance.version'),
                    t('compliance.description'),
                    t('compliance.becomesProviderShort'),
                    t('compliance.assessedOn'),
                  ]}
                  row={(m) => (
                    <tr key={m.assessedAt} data-change={m.change}>
                      <td>{label('compliance.change', m.change)}</td>
                      <td>{m.version}</td>
                      <td>{m.description}</td>
                      <td>{m.becomesProvider ? t('compliance.yes') : t('compliance.no')}</td>
                      <td>
                        {day(m.assessedOn)} — {m.assessedBy.subject}
                      </td>
                    </tr>
                  )}
                />
              )}
              {rights.manage && (
                <Opens formId="modification-form" title={t('compliance.assessTitle')}>
                  <ModificationForm {...w} />
                </Opens>
              )}
            </section>
            <section aria-labelledby="assessments-title">
              <h2 id="assessments-title">{t('compliance.assessments')}</h2>
              <ItemsTable
                id="compliance-assessments"
                items={f.assessments}
                columns={[t('compliance.kind'), t('compliance.status'), t('compliance.assessedOn'), t('compliance.nextReview'), t('compliance.approver')]}
                row={(a) => (
                  <tr key={a.kind} data-kind={a.kind} data-overdue={a.overdue ? 'true' : 'false'}>
                    <td>{label('compliance.assessment', a.kind)}</td>
                    <td>{label('compliance.assessmentStatus', a.status)}</td>
                    <td>{day(a.assessedOn)}</td>
                    <td>
                      {day(a.nextReviewOn)} {a.overdue && <span class="badge status-overdue">{t('compliance.status.overdue')}</span>}
                    </td>
                    <td>{a.approver ?? '—'}</td>
                  </tr>
                )}
              />
              {rights.manage && (
                <Opens formId="assessment-form" title={t('compliance.assessmentTitle')}>
                  <AssessmentForm {...w} />
                </Opens>
              )}
            </section>
            <section aria-labelledby="competence-title">
              <h2 id="competence-title">{t('compliance.competence')}</h2>
              <p id="compliance-policy">
                {f.competence.checked ? t('compliance.policy', { policy: label('compliance.policy', f.competence.policy) }) : t('compliance.notChecked')}
              </p>
              {rights.manage && (
                <Opens formId="policy-form" title={t('compliance.policyTitle')}>
                  <PolicyForm {...w} />
                </Opens>
              )}
              <ItemsTable
                id="compliance-overseers"
                items={f.competence.overseers}
                columns={[t('compliance.person'), t('compliance.authorised'), ...(rights.manage ? [{ hidden: t('compliance.actions') }] : [])]}
                row={(o) => (
                  <tr key={o.person} data-person={o.person} data-authorised={o.authorised ? 'true' : 'false'}>
                    <td>{o.person}</td>
                    <td>{o.authorised ? t('compliance.yes') : t('compliance.no')}</td>
                    {rights.manage && (
                      <td>
                        {f.competence.records.some((r) => r.person === o.person && r.withdrawnAt === null) && (
                          <WithdrawCompetence {...w} person={o.person} done={setNotice} />
                        )}
                      </td>
                    )}
                  </tr>
                )}
              />
              <p class="status" role="status" aria-live="polite">
                {notice ?? ''}
              </p>
              {f.competence.records.length > 0 && (
                <>
                  <h3>{t('compliance.records')}</h3>
                  <ItemsTable
                    id="compliance-competence-records"
                    items={f.competence.records}
                    columns={[
                      t('compliance.person'),
                      t('compliance.course'),
                      t('compliance.completedOn'),
                      t('compliance.expiresOn'),
                      t('compliance.status'),
                      t('compliance.signedOffBy'),
                    ]}
                    row={(r) => (
                      <tr key={r.recordId} data-person={r.person} data-status={r.status}>
                        <td>{r.person}</td>
                        <td>{r.course}</td>
                        <td>{day(r.completedOn)}</td>
                        <td>{r.expiresOn ? day(r.expiresOn) : t('compliance.open')}</td>
                        <td>{label('compliance.recordStatus', r.status)}</td>
                        <td>{r.signedOffBy.subject}</td>
                      </tr>
                    )}
                  />
                </>
              )}
              {rights.manage && (
                <Opens formId="competence-form" title={t('compliance.competenceTitle')}>
                  <CompetenceForm {...w} />
                </Opens>
              )}
            </section>
            {rights.reviews && <FlaggedReviews systemId={id} />}
            <section aria-labelledby="information-title-section">
              <h2 id="information-title-section">{t('compliance.information')}</h2>
              <ItemsTable
                id="compliance-information"
                items={f.informationDuties}
                columns={[
                  t('compliance.basis'),
                  t('compliance.channel'),
                  t('compliance.timing'),
                  t('compliance.textVersion'),
                  t('compliance.approvedBy'),
                  t('compliance.effectiveFrom'),
                ]}
                row={(d) => (
                  <tr key={d.statementId} data-basis={d.basis}>
                    <td>{label('compliance.basis', d.basis)}</td>
                    <td>{d.channel}</td>
                    <td>{d.timing}</td>
                    <td>{d.textVersion}</td>
                    <td>{d.approvedBy}</td>
                    <td>{day(d.effectiveFrom)}</td>
                  </tr>
                )}
              />
              {rights.inform && (
                <Opens formId="information-form" title={t('compliance.informationTitle')}>
                  <InformationForm {...w} />
                </Opens>
              )}
            </section>
            <section aria-labelledby="missing-title">
              <h2 id="missing-title">{t('compliance.missingTitle')}</h2>
              {f.missing.length ? (
                <ul id="compliance-missing">
                  {f.missing.map((m) => (
                    <li key={m}>{m}</li>
                  ))}
                </ul>
              ) : (
                <p>{t('compliance.nothingMissing')}</p>
              )}
            </section>
            <Documents id={id} canWrite={rights.documents} reloadFile={file.reload} />
            <ExportFile id={id} />
          </>
        );
      }}
    </DetailFrame>
  );
}

/** The documents of the file, as they stood on a chosen day; upload, download and withdraw for the roles the API allows. */
function Documents({ id, canWrite, reloadFile }: { id: string; canWrite: boolean; reloadFile: () => Promise<unknown> }) {
  const [validOn, setValidOn] = useState('');
  // Said here, not in the withdrawal form: the form goes once its document no longer holds.
  const [notice, setNotice] = useState<string | null>(null);
  const list = useLoad(() => get<ComplianceDocumentList>(`/ai-systems/${id}/documents${validOn ? `?validOn=${validOn}` : ''}`), [id, validOn]);
  const reload = async () => {
    await Promise.all([list.reload(), reloadFile()]);
  };
  return (
    <section aria-labelledby="documents-title">
      <h2 id="documents-title">{t('compliance.documents')}</h2>
      <TextField id="documents-valid-on" label={t('compliance.validOn')} help={t('compliance.validOnHelp')} type="date" value={validOn} onValue={setValidOn} />
      <ProblemSummary error={list.error} />
      <ItemsTable
        id="compliance-documents"
        items={list.data?.items}
        columns={[
          t('compliance.kind'),
          t('compliance.docTitle'),
          t('compliance.version'),
          t('compliance.status'),
          t('compliance.validity'),
          { hidden: t('compliance.actions') },
        ]}
        row={(d: ComplianceDocumentItem) => (
          <tr key={d.documentId} data-document-id={d.documentId} data-status={d.status}>
            <td>{label('compliance.doc', d.kind)}</td>
            <td>{d.title}</td>
            <td>{d.modelVersion ?? '—'}</td>
            <td>{label('compliance.docStatus', d.status)}</td>
            <td>
              {day(d.validFrom)} – {d.lastValidDay ? day(d.lastValidDay) : t('compliance.open')}
            </td>
            <td>
              <button
                type="button"
                class="link"
                onClick={() => void download(`/ai-systems/${id}/documents/${d.documentId}/content`, d.filename ?? `${d.title}.pdf`)}
                aria-label={`${t('compliance.download')}: ${d.title}`}
              >
                {t('compliance.download')}
              </button>
              {canWrite && d.status === 'valid' && ' '}
              {canWrite && d.status === 'valid' && <Withdraw id={id} doc={d} reload={reload} done={setNotice} />}
            </td>
          </tr>
        )}
      />
      <p class="status" role="status" aria-live="polite">
        {notice ?? ''}
      </p>
      {canWrite && <UploadDocument id={id} reload={reload} />}
    </section>
  );
}

function Withdraw({ id, doc, reload, done }: { id: string; doc: ComplianceDocumentItem; reload: () => Promise<unknown>; done: (message: string) => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const w = useWrite(reload);
  if (!open)
    return (
      <button type="button" class="link" onClick={() => setOpen(true)} aria-label={`${t('compliance.withdraw')}: ${doc.title}`}>
        {t('compliance.withdraw')}
      </button>
    );
  const submit = async (e: Event) => {
    e.preventDefault();
    const ok = await w.run(
      () => api('POST', `/ai-systems/${id}/documents/${doc.documentId}/withdrawal`, { body: { reason }, idempotencyKey: newKey() }),
      t('compliance.withdrawn'),
    );
    if (ok) {
      setOpen(false);
      done(t('compliance.withdrawn'));
    }
  };
  return (
    <FormCard
      id={`withdraw-${doc.documentId}`}
      title={t('compliance.withdrawTitle', { title: doc.title })}
      onSubmit={submit}
      error={w.error}
      submitLabel={t('compliance.withdraw')}
      status={w.status}
    >
      <TextField
        id={`withdraw-reason-${doc.documentId}`}
        label={t('compliance.reason')}
        required
        value={reason}
        onValue={setReason}
        error={fieldErrorOf(w.error, 'reason')}
      />
    </FormCard>
  );
}

function UploadDocument({ id, reload }: { id: string; reload: () => Promise<unknown> }) {
  const [kind, setKind] = useState<string>(DOCUMENT_KIND_OPTIONS[0]);
  const [title, setTitle] = useState('');
  const [version, setVersion] = useState('');
  const [validFrom, setValidFrom] = useState('');
  const [validUntil, setValidUntil] = useState('');
  const [file, setFile] = useState<File | null>(null);
  // A file input cannot be cleared by state: a new key gives an empty one after each upload.
  const [fileKey, setFileKey] = useState(0);
  const w = useWrite(reload);
  const submit = async (e: Event) => {
    e.preventDefault();
    const query = new URLSearchParams({ kind, title });
    if (version.trim()) query.set('modelVersion', version.trim());
    if (validFrom) query.set('validFrom', validFrom);
    if (validUntil) query.set('validUntil', validUntil);
    if (file) query.set('filename', file.name);
    const ok = await w.run(
      () => upload(`/ai-systems/${id}/documents?${query.toString()}`, file ?? new Blob([]), file?.type || 'application/pdf'),
      t('compliance.uploaded'),
    );
    if (ok) {
      setTitle('');
      setVersion('');
      setValidFrom('');
      setValidUntil('');
      setFile(null);
      setFileKey(fileKey + 1);
    }
  };
  return (
    <FormCard id="upload-title" title={t('compliance.uploadTitle')} onSubmit={submit} error={w.error} submitLabel={t('compliance.upload')} status={w.status}>
      <SelectField
        id="document-kind"
        label={t('compliance.kind')}
        required
        value={kind}
        onValue={setKind}
        options={DOCUMENT_KIND_OPTIONS.map((k) => ({ value: k, label: label('compliance.doc', k) }))}
        error={fieldErrorOf(w.error, 'kind')}
      />
      <TextField
        id="document-title"
        label={t('compliance.docTitle')}
        help={t('compliance.titleHelp')}
        required
        value={title}
        onValue={setTitle}
        error={fieldErrorOf(w.error, 'title')}
      />
      <TextField id="document-version" label={t('compliance.version')} value={version} onValue={setVersion} error={fieldErrorOf(w.error, 'modelVersion')} />
      <TextField
        id="document-valid-from"
        label={t('compliance.validFrom')}
        type="date"
        value={validFrom}
        onValue={setValidFrom}
        error={fieldErrorOf(w.error, 'validFrom')}
      />
      <TextField
        id="document-valid-until"
        label={t('compliance.validUntil')}
        type="date"
        value={validUntil}
        onValue={setValidUntil}
        error={fieldErrorOf(w.error, 'validUntil')}
      />
      <div class="field">
        <label for="document-file">{t('compliance.file')}</label>
        <input
          key={fileKey}
          id="document-file"
          name="document-file"
          type="file"
          accept="application/pdf,image/png,image/jpeg"
          onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
        />
      </div>
    </FormCard>
  );
}

/** The file as of a date, provable: the bundle (verify with `registry verify-bundle`), its JSON or its PDF. */
function ExportFile({ id }: { id: string }) {
  const [asOf, setAsOf] = useState(today());
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<string | null>(null);
  const fetchAs = async (format: 'bundle' | 'json' | 'pdf') => {
    setStatus(t('loading'));
    try {
      const ext = format === 'bundle' ? 'zip' : format;
      await download(`/ai-systems/${id}/compliance-file?asOf=${encodeURIComponent(asOf)}&format=${format}`, `compliance-file-${id}-${asOf}.${ext}`);
      setError(null);
      setStatus(t('compliance.exported', { date: day(asOf) }));
    } catch (err) {
      setError(err);
      setStatus(null);
    }
  };
  return (
    <section class="card" aria-labelledby="export-title">
      <h2 id="export-title">{t('compliance.exportTitle')}</h2>
      <p>{t('compliance.exportIntro')}</p>
      <ProblemSummary error={error} />
      <TextField id="export-as-of" label={t('compliance.asOf')} type="date" value={asOf} onValue={setAsOf} error={fieldErrorOf(error, 'asOf')} />
      <p class="actions">
        <button type="button" class="primary" onClick={() => void fetchAs('bundle')}>
          {t('compliance.exportBundle')}
        </button>{' '}
        <button type="button" onClick={() => void fetchAs('pdf')}>
          {t('compliance.exportPdf')}
        </button>{' '}
        <button type="button" onClick={() => void fetchAs('json')}>
          {t('compliance.exportJson')}
        </button>
      </p>
      <p class="status" role="status" aria-live="polite">
        {status ?? ''}
      </p>
    </section>
  );
}
