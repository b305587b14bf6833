// Issue 23: the forms of the compliance file (items 1, 2, 4 and 5) — what the API and the CLI
// could record before, now also here. Each form offers only the values the API accepts (from
// @app/compliance/contract), sends one Idempotency-Key per submit and If-Match with the file's
// revision as read, shows the API's refusal at the field it names, and reads the file again after.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, newKey } from '../api';
import { hasText, t } from '../i18n';
import {
  ASSESSMENT_KINDS,
  ASSESSMENT_STATUSES,
  CHANGE_KINDS,
  COMPETENCE_POLICIES,
  type ComplianceView,
  GROUNDS_OF_CLASS,
  HOSPITAL_ROLES,
  INFORMATION_BASES,
  MDR_CLASSES,
  RISK_CLASSES,
  type RiskClass,
} from '@app/compliance/contract';
import { Checkbox, fieldErrorOf, FormCard, SelectField, TextField, useWrite } from '../forms';

const text = (key: string) => (hasText(key) ? t(key) : (key.split('.').pop() ?? key));
const optionsOf = (values: readonly string[], prefix: string) => values.map((v) => ({ value: v, label: text(`${prefix}.${v}`) }));
/** Empty optional fields are left out, so the API applies its default (today, the version in use…). */
const optional = (v: string) => (v.trim() ? v.trim() : undefined);

/** The file's revision as read: a change names it in If-Match. A file without events yet has none ("-1"). */
const ifMatchOf = (etag: string | null) => (etag && etag !== '"-1"' ? etag : undefined);

export interface FileWriteProps {
  id: string;
  file: ComplianceView;
  etag: string | null;
  reload: () => Promise<unknown>;
}

/** A write to the file: POST with a fresh Idempotency-Key and the revision as read. */
const post = (p: FileWriteProps, path: string, body: unknown) =>
  api('POST', `/ai-systems/${p.id}/${path}`, { body, idempotencyKey: newKey(), ifMatch: ifMatchOf(p.etag) });

/** A form behind a button: the file stays readable, a form opens when it is wanted. */
export function Opens({ formId, title, children }: { formId: string; title: string; children: ComponentChildren }) {
  const [open, setOpen] = useState(false);
  return (
    <div class="opens">
      {!open && (
        <button type="button" aria-expanded="false" aria-controls={formId} onClick={() => setOpen(true)}>
          {title}
        </button>
      )}
      {open && <div id={formId}>{children}</div>}
    </div>
  );
}

/** Item 1: the hospital's role and the system's class with its ground (AI Act Art. 3, 5, 6, 50; MDR Art. 5(5), 51). */
export function ClassifyForm(p: FileWriteProps) {
  const current = p.file.classification;
  const [role, setRole] = useState<string>(current?.role ?? 'deployer');
  const [riskClass, setRiskClass] = useState<RiskClass>(current?.aiActRiskClass ?? 'high');
  const [ground, setGround] = useState<string>(current?.legalGround ?? GROUNDS_OF_CLASS.high[0]);
  const [point, setPoint] = useState(current?.legalGroundPoint ?? '');
  const [mdrClass, setMdrClass] = useState<string>(current?.mdrClass ?? 'none');
  const [inHouse, setInHouse] = useState(current?.inHouseDevice ?? false);
  const [fromVersion, setFromVersion] = useState('');
  const [dutiesFrom, setDutiesFrom] = useState('');
  const [decidedOn, setDecidedOn] = useState('');
  const [rationale, setRationale] = useState('');
  const w = useWrite(p.reload);
  const chooseClass = (c: string) => {
    const cls = c as RiskClass;
    setRiskClass(cls);
    // Only a ground the class can rest on (the API refuses any other pair).
    if (!GROUNDS_OF_CLASS[cls].includes(ground as never)) setGround(GROUNDS_OF_CLASS[cls][0]);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      role,
      aiActRiskClass: riskClass,
      legalGround: ground,
      legalGroundPoint: optional(point),
      mdrClass,
      inHouseDevice: inHouse,
      fromVersion: optional(fromVersion),
      dutiesApplyFrom: optional(dutiesFrom),
      decidedOn: optional(decidedOn),
      rationale,
    };
    if (await w.run(() => post(p, 'classification', body), t('compliance.classified'))) setRationale('');
  };
  const err = (f: string) => fieldErrorOf(w.error, f);
  return (
    <FormCard
      id="classify-title"
      title={t('compliance.classifyTitle')}
      onSubmit={submit}
      error={w.error}
      submitLabel={t('compliance.classify')}
      status={w.status}
    >
      <p class="help">{t('compliance.classifyIntro')}</p>
      <SelectField
        id="classify-role"
        label={t('compliance.role')}
        required
        value={role}
        onValue={setRole}
        options={optionsOf(HOSPITAL_ROLES, 'compliance.roleOption')}
        error={err('role')}
      />
      <SelectField
        id="classify-class"
        label={t('compliance.riskClass')}
        required
        value={riskClass}
        onValue={chooseClass}
        options={optionsOf(RISK_CLASSES, 'compliance.classOption')}
        help={riskClass === 'prohibited' ? t('compliance.prohibitedWarning') : undefined}
        error={err('aiActRiskClass')}
      />
      <SelectField
        id="classify-ground"
        label={t('compliance.legalGround')}
        help={t('compliance.groundHelp')}
        required
        value={ground}
        onValue={setGround}
        options={optionsOf(GROUNDS_OF_CLASS[riskClass], 'compliance.ground')}
        error={err('legalGround')}
      />
      <TextField
        id="classify-point"
        label={t('compliance.groundPoint')}
        help={t('compliance.groundPointHelp')}
        value={point}
        onValue={setPoint}
        error={err('legalGroundPoint')}
      />
      <SelectField
        id="classify-mdr"
        label={t('compliance.mdrClassLabel')}
        required
        value={mdrClass}
        onValue={setMdrClass}
        options={MDR_CLASSES.map((c) => ({ value: c, label: c === 'none' ? t('compliance.mdrOption.none') : c }))}
        error={err('mdrClass')}
      />
      <Checkbox id="classify-in-house" label={t('compliance.inHouse')} checked={inHouse} onValue={setInHouse} />
      <TextField
        id="classify-version"
        label={t('compliance.fromVersion')}
        help={t('compliance.versionHelp')}
        value={fromVersion}
        onValue={setFromVersion}
        error={err('fromVersion')}
      />
      <TextField
        id="classify-duties-from"
        label={t('compliance.dutiesFrom')}
        help={t('compliance.dutiesFromHelp')}
        type="date"
        value={dutiesFrom}
        onValue={setDutiesFrom}
        error={err('dutiesApplyFrom')}
      />
      <TextField
        id="classify-decided-on"
        label={t('compliance.decidedOn')}
        help={t('compliance.todayHelp')}
        type="date"
        value={decidedOn}
        onValue={setDecidedOn}
        error={err('decidedOn')}
      />
      <TextField
        id="classify-rationale"
        label={t('compliance.rationale')}
        required
        multiline
        value={rationale}
        onValue={setRationale}
        error={err('rationale')}
      />
    </FormCard>
  );
}

/** Item 1: a change assessed against AI Act Art. 25(1), which can make the hospital the provider. */
export function ModificationForm(p: FileWriteProps) {
  const [change, setChange] = useState<string>(CHANGE_KINDS[0]);
  const [version, setVersion] = useState('');
  const [description, setDescription] = useState('');
  const [becomesProvider, setBecomesProvider] = useState(false);
  const [rationale, setRationale] = useState('');
  const [assessedOn, setAssessedOn] = useState('');
  const w = useWrite(p.reload);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = { change, version: optional(version), description, becomesProvider, rationale, assessedOn: optional(assessedOn) };
    if (await w.run(() => post(p, 'modification-assessments', body), t('compliance.assessed'))) {
      setDescription('');
      setRationale('');
      setBecomesProvider(false);
    }
  };
  const err = (f: string) => fieldErrorOf(w.error, f);
  return (
    <FormCard
      id="modification-title"
      title={t('compliance.assessTitle')}
      onSubmit={submit}
      error={w.error}
      submitLabel={t('compliance.assess')}
      status={w.status}
    >
      <SelectField
        id="modification-change"
        label={t('compliance.change')}
        required
        value={change}
        onValue={setChange}
        options={optionsOf(CHANGE_KINDS, 'compliance.change')}
        error={err('change')}
      />
      <TextField
        id="modification-version"
        label={t('compliance.version')}
        help={t('compliance.versionHelp')}
        value={version}
        onValue={setVersion}
        error={err('version')}
      />
      <TextField
        id="modification-description"
        label={t('compliance.description')}
        required
        multiline
        value={description}
        onValue={setDescription}
        error={err('description')}
      />
      <Checkbox id="modification-provider" label={t('compliance.becomesProvider')} checked={becomesProvider} onValue={setBecomesProvider} />
      <TextField
        id="modification-rationale"
        label={t('compliance.rationale')}
        required
        multiline
        value={rationale}
        onValue={setRationale}
        error={err('rationale')}
      />
      <TextField
        id="modification-assessed-on"
        label={t('compliance.assessedOn')}
        help={t('compliance.todayHelp')}
        type="date"
        value={assessedOn}
        onValue={setAssessedOn}
        error={err('assessedOn')}
      />
    </FormCard>
  );
}

/** Item 2: a FRIA (AI Act Art. 27), DPIA (GDPR Art. 35) or risk analysis, with its next review. */
export function AssessmentForm(p: FileWriteProps) {
  const [kind, setKind] = useState<string>(ASSESSMENT_KINDS[0]);
  const [status, setStatus] = useState<string>('approved');
  const [outcome, setOutcome] = useState('');
  const [approver, setApprover] = useState('');
  const [assessedOn, setAssessedOn] = useState('');
  const [nextReviewOn, setNextReviewOn] = useState('');
  const [documentReference, setDocumentReference] = useState('');
  const w = useWrite(p.reload);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      kind,
      status,
      outcome,
      approver: optional(approver),
      assessedOn: optional(assessedOn),
      nextReviewOn: optional(nextReviewOn),
      documentReference: optional(documentReference),
    };
    if (await w.run(() => post(p, 'assessments', body), t('compliance.assessmentRecorded'))) {
      setOutcome('');
      setApprover('');
      setAssessedOn('');
      setNextReviewOn('');
      setDocumentReference('');
    }
  };
  const err = (f: string) => fieldErrorOf(w.error, f);
  return (
    <FormCard
      id="assessment-title"
      title={t('compliance.assessmentTitle')}
      onSubmit={submit}
      error={w.error}
      submitLabel={t('compliance.recordAssessment')}
      status={w.status}
    >
      <p class="help">{t('compliance.assessmentHelp')}</p>
      <SelectField
        id="assessment-kind"
        label={t('compliance.kind')}
        required
        value={kind}
        onValue={setKind}
        options={optionsOf(ASSESSMENT_KINDS, 'compliance.assessment')}
        error={err('kind')}
      />
      <SelectField
        id="assessment-status"
        label={t('compliance.assessmentStatusLabel')}
        required
        value={status}
        onValue={setStatus}
        options={optionsOf(ASSESSMENT_STATUSES, 'compliance.assessmentStatus')}
        error={err('status')}
      />
      <TextField
        id="assessment-outcome"
        label={t('compliance.outcome')}
        help={t('compliance.outcomeHelp')}
        required
        multiline
        value={outcome}
        onValue={setOutcome}
        error={err('outcome')}
      />
      <TextField
        id="assessment-approver"
        label={t('compliance.approver')}
        help={t('compliance.approverHelp')}
        value={approver}
        onValue={setApprover}
        error={err('approver')}
      />
      <TextField
        id="assessment-assessed-on"
        label={t('compliance.assessedOn')}
        help={t('compliance.todayHelp')}
        type="date"
        value={assessedOn}
        onValue={setAssessedOn}
        error={err('assessedOn')}
      />
      <TextField
        id="assessment-next-review"
        label={t('compliance.nextReview')}
        help={t('compliance.nextReviewHelp')}
        type="date"
        value={nextReviewOn}
        onValue={setNextReviewOn}
        error={err('nextReviewOn')}
      />
      <TextField
        id="assessment-document"
        label={t('compliance.documentReference')}
        value={documentReference}
        onValue={setDocumentReference}
        error={err('documentReference')}
      />
    </FormCard>
  );
}

/** Item 4: what happens to a review by someone without a current competence record (AI Act Art. 26(2)). */
export function PolicyForm(p: FileWriteProps) {
  const [policy, setPolicy] = useState<string>(p.file.competence.policy === 'not-checked' ? 'refuse' : p.file.competence.policy);
  const [reason, setReason] = useState('');
  const w = useWrite(p.reload);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await w.run(() => post(p, 'competence-policy', { policy, reason }), t('compliance.policySet'))) setReason('');
  };
  const err = (f: string) => fieldErrorOf(w.error, f);
  return (
    <FormCard id="policy-title" title={t('compliance.policyTitle')} onSubmit={submit} error={w.error} submitLabel={t('compliance.setPolicy')} status={w.status}>
      <SelectField
        id="policy-policy"
        label={t('compliance.policyLabel')}
        required
        value={policy}
        onValue={setPolicy}
        options={optionsOf(COMPETENCE_POLICIES, 'compliance.policyOption')}
        error={err('policy')}
      />
      <TextField id="policy-reason" label={t('compliance.reason')} required multiline value={reason} onValue={setReason} error={err('reason')} />
    </FormCard>
  );
}

/** Item 4: training completed and authority signed off, for one person and this system (AI Act Art. 4, 26(2)). */
export function CompetenceForm(p: FileWriteProps) {
  const [person, setPerson] = useState('');
  const [course, setCourse] = useState('');
  const [completedOn, setCompletedOn] = useState('');
  const [expiresOn, setExpiresOn] = useState('');
  const w = useWrite(p.reload);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = { person, course, completedOn, expiresOn: optional(expiresOn) };
    if (await w.run(() => post(p, 'competence-records', body), t('compliance.competenceRecorded'))) {
      setPerson('');
      setCourse('');
      setCompletedOn('');
      setExpiresOn('');
    }
  };
  const err = (f: string) => fieldErrorOf(w.error, f);
  return (
    <FormCard
      id="competence-title"
      title={t('compliance.competenceTitle')}
      onSubmit={submit}
      error={w.error}
      submitLabel={t('compliance.recordCompetence')}
      status={w.status}
    >
      <TextField
        id="competence-person"
        label={t('compliance.person')}
        help={t('compliance.personHelp')}
        required
        value={person}
        onValue={setPerson}
        error={err('person')}
      />
      <TextField id="competence-course" label={t('compliance.course')} required value={course} onValue={setCourse} error={err('course')} />
      <TextField
        id="competence-completed"
        label={t('compliance.completedOn')}
        required
        type="date"
        value={completedOn}
        onValue={setCompletedOn}
        error={err('completedOn')}
      />
      <TextField
        id="competence-expires"
        label={t('compliance.expiresOn')}
        help={t('compliance.expiresHelp')}
        type="date"
        value={expiresOn}
        onValue={setExpiresOn}
        error={err('expiresOn')}
      />
    </FormCard>
  );
}

/** Item 4: a person's authority withdrawn (every record of theirs for this system up to now). */
export function WithdrawCompetence(p: FileWriteProps & { person: string; done: (message: string) => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const w = useWrite(p.reload);
  if (!open)
    return (
      <button type="button" class="link" onClick={() => setOpen(true)} aria-label={`${t('compliance.withdrawAuthority')}: ${p.person}`}>
        {t('compliance.withdrawAuthority')}
      </button>
    );
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await w.run(() => post(p, 'competence-withdrawals', { person: p.person, reason }), t('compliance.competenceWithdrawn'))) {
      setOpen(false);
      p.done(t('compliance.competenceWithdrawn'));
    }
  };
  const key = p.person.replace(/[^A-Za-z0-9_-]/g, '_');
  return (
    <FormCard
      id={`withdraw-competence-${key}`}
      title={t('compliance.withdrawAuthorityTitle', { person: p.person })}
      onSubmit={submit}
      error={w.error}
      submitLabel={t('compliance.withdrawAuthority')}
      status={w.status}
    >
      <TextField
        id={`withdraw-competence-reason-${key}`}
        label={t('compliance.reason')}
        required
        value={reason}
        onValue={setReason}
        error={fieldErrorOf(w.error, 'reason')}
      />
    </FormCard>
  );
}

/** Item 5: how and when an audience is informed, with the text's version (AI Act Art. 26(7), 26(11), 50; GDPR Art. 13, 14). */
export function InformationForm(p: FileWriteProps) {
  const [basis, setBasis] = useState<string>(INFORMATION_BASES[0]);
  const [channel, setChannel] = useState('');
  const [timing, setTiming] = useState('');
  const [textVersion, setTextVersion] = useState('');
  const [documentId, setDocumentId] = useState('');
  const [textSha256, setTextSha256] = useState('');
  const [approvedBy, setApprovedBy] = useState('');
  const [effectiveFrom, setEffectiveFrom] = useState('');
  const w = useWrite(p.reload);
  const documents = p.file.documents.filter((d) => d.status === 'valid' || d.status === 'not-yet-valid');
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      basis,
      channel,
      timing,
      textVersion,
      documentId: optional(documentId),
      textSha256: optional(textSha256),
      approvedBy,
      effectiveFrom: optional(effectiveFrom),
    };
    if (await w.run(() => post(p, 'information-duties', body), t('compliance.informationRecorded'))) {
      setChannel('');
      setTiming('');
      setTextVersion('');
      setDocumentId('');
      setTextSha256('');
      setEffectiveFrom('');
    }
  };
  const err = (f: string) => fieldErrorOf(w.error, f);
  return (
    <FormCard
      id="information-title"
      title={t('compliance.informationTitle')}
      onSubmit={submit}
      error={w.error}
      submitLabel={t('compliance.recordInformation')}
      status={w.status}
    >
      <SelectField
        id="information-basis"
        label={t('compliance.basis')}
        required
        value={basis}
        onValue={setBasis}
        options={optionsOf(INFORMATION_BASES, 'compliance.basis')}
        error={err('basis')}
      />
      <TextField
        id="information-channel"
        label={t('compliance.channel')}
        help={t('compliance.channelHelp')}
        required
        value={channel}
        onValue={setChannel}
        error={err('channel')}
      />
      <TextField
        id="information-timing"
        label={t('compliance.timing')}
        help={t('compliance.timingHelp')}
        required
        value={timing}
        onValue={setTiming}
        error={err('timing')}
      />
      <TextField
        id="information-version"
        label={t('compliance.textVersion')}
        required
        value={textVersion}
        onValue={setTextVersion}
        error={err('textVersion')}
      />
      <SelectField
        id="information-document"
        label={t('compliance.textDocument')}
        value={documentId}
        onValue={setDocumentId}
        placeholder={t('compliance.noDocument')}
        options={documents.map((d) => ({ value: d.documentId, label: `${d.title} (${text(`compliance.doc.${d.kind}`)})` }))}
        error={err('documentId')}
      />
      <TextField
        id="information-sha256"
        label={t('compliance.textSha256')}
        help={t('compliance.textSha256Help')}
        value={textSha256}
        onValue={setTextSha256}
        error={err('textSha256')}
      />
      <TextField
        id="information-approved-by"
        label={t('compliance.approvedBy')}
        required
        value={approvedBy}
        onValue={setApprovedBy}
        error={err('approvedBy')}
      />
      <TextField
        id="information-effective-from"
        label={t('compliance.effectiveFrom')}
        help={t('compliance.todayHelp')}
        type="date"
        value={effectiveFrom}
        onValue={setEffectiveFrom}
        error={err('effectiveFrom')}
      />
    </FormCard>
  );
}
