import type { EventEnvelope } from '@app/event-store';
import { asText } from './text';
import type { WithheldEvent } from './redaction';
import { businessTime } from './scope';
import { redactedText } from './field-redaction';
import type { TimelineEntry } from '../contract';

export interface EncryptedTextLike {
  enc: 'aes-256-gcm';
  kid: string;
  iv: string;
  ct: string;
  /** HMAC-SHA256(salt, plaintext), hex: inside the leaf since TEXT_COMMITMENT (ADR 0036). */
  commitment?: string;
}

export type Decrypt = (value: EncryptedTextLike) => Promise<string | null>;
/** The plaintext and the salt that opens its commitment (null: written before commitments); null when erased. */
export type Reveal = (value: EncryptedTextLike) => Promise<{ text: string; salt: string | null } | null>;

/** Same name as @app/identity's: the format a bundle's plaintexts.jsonl opens (VERIFY.md B.12). */
export const TEXT_COMMITMENT = 'text-commitment-v1';
/** What marks a text that was decrypted but cannot be proven (no commitment in its event). */
export const NOT_PROVABLE = `[not provable (written before ${TEXT_COMMITMENT})]`;

/**
 * One line of data/plaintexts.jsonl, for each encrypted text of an event shown in the bundle:
 * opened (salt and text: proven against the commitment in the leaf), decrypted but unprovable
 * (text written before commitments), or withheld (its key was destroyed, or it cannot be read).
 */
export type PlaintextLine =
  | { field: string; position: number; salt: string; text: string }
  | { field: string; position: number; text: string; unproven: string }
  | { field: string; position: number; withheld: 'erased' | 'unreadable' };

/** How the timeline shows the text of a plaintexts.jsonl line (VERIFY.md B.12). */
export function shownText(line: PlaintextLine): string {
  if ('withheld' in line) return `[${line.withheld}]`;
  if ('unproven' in line) return `${NOT_PROVABLE} ${line.text}`;
  return line.text;
}

export type { TimelineEntry } from '../contract';

/** English and Dutch label per event type (VERIFY.md B.12 lists them: a verifier derives the timeline's labels too). */
export const LABELS: Record<string, [string, string]> = {
  'ai-systems.AiSystemRegistered': ['AI system registered', 'AI-systeem geregistreerd'],
  'ai-systems.AiSystemVersionChanged': ['AI system version changed', 'Versie AI-systeem gewijzigd'],
  'ai-systems.AiSystemUseSuspended': ['Use of AI system suspended', 'Gebruik AI-systeem opgeschort'],
  'ai-systems.AiSystemUseResumed': ['Use of AI system resumed', 'Gebruik AI-systeem hervat'],
  'ai-systems.OutputReviewLimitSet': ['Review limit for AI outputs set', 'Beoordelingstermijn voor AI-uitkomsten ingesteld'],
  'compliance.SystemClassified': ['AI system classified (role and risk class)', 'AI-systeem geclassificeerd (rol en risicoklasse)'],
  'compliance.ModificationAssessed': ['Change to the AI system assessed (AI Act Art. 25)', 'Wijziging AI-systeem beoordeeld (AI-verordening art. 25)'],
  'compliance.CompetencePolicySet': ['Competence policy for reviews set', 'Bekwaamheidsbeleid voor beoordelingen ingesteld'],
  'compliance.CompetenceRecorded': ['Training and authority to oversee recorded', 'Training en bevoegdheid tot toezicht vastgelegd'],
  'compliance.CompetenceWithdrawn': ['Authority to oversee withdrawn', 'Bevoegdheid tot toezicht ingetrokken'],
  'compliance.AssessmentRecorded': ['Assessment recorded (FRIA, DPIA or risk analysis)', 'Beoordeling vastgelegd (FRIA, DPIA of risicoanalyse)'],
  'compliance.DocumentRecorded': ['Document uploaded to the compliance file', 'Document toegevoegd aan het nalevingsdossier'],
  'compliance.DocumentSuperseded': ['Document superseded by a newer one', 'Document vervangen door een nieuwer'],
  'compliance.DocumentWithdrawn': ['Document withdrawn', 'Document ingetrokken'],
  'compliance.InformationDutyRecorded': ['How people are informed about the AI system recorded', 'Wijze van informeren over het AI-systeem vastgelegd'],
  'compliance.SubjectRequestReceived': [
    'Explanation or access request received (AI Act Art. 86, GDPR Art. 15)',
    'Verzoek om uitleg of inzage ontvangen (AI-verordening art. 86, AVG art. 15)',
  ],
  'compliance.SubjectRequestExtended': ['Request deadline extended (GDPR Art. 12(3))', 'Termijn verzoek verlengd (AVG art. 12 lid 3)'],
  'compliance.SubjectRequestAnswered': ['Request answered', 'Verzoek beantwoord'],
  'compliance.SubjectRequestRefused': ['Request refused', 'Verzoek geweigerd'],
  'compliance.SubjectRequestWithdrawn': ['Request withdrawn by the requester', 'Verzoek ingetrokken door verzoeker'],
  'ai-systems.SupplierNoticeReceived': [
    'Supplier notice received (field safety notice or security advisory)',
    'Bericht van leverancier ontvangen (veiligheidsmededeling of beveiligingsadvies)',
  ],
  'ai-systems.SupplierNoticeActionRecorded': ['Action on a supplier notice recorded', 'Actie op bericht van leverancier vastgelegd'],
  'ai-systems.SupplierNoticeClosed': ['Supplier notice closed', 'Bericht van leverancier afgesloten'],
  'oversight.AiOutputProduced': ['AI output produced (by feed)', 'AI-uitkomst geproduceerd (via feed)'],
  'oversight.AiOutputReviewed': ['AI output reviewed', 'AI-uitkomst beoordeeld'],
  'oversight.ReviewCorrected': ['Review corrected', 'Beoordeling gecorrigeerd'],
  'oversight.ReviewWithdrawn': ['Review withdrawn', 'Beoordeling ingetrokken'],
  'oversight.ReviewLinkedToIncident': ['Review linked to incident', 'Beoordeling gekoppeld aan incident'],
  'monitoring.OutcomeConfirmed': ['Confirmed outcome of an AI output recorded', 'Bevestigde uitkomst van een AI-uitkomst vastgelegd'],
  'monitoring.OutcomeCorrected': ['Confirmed outcome corrected', 'Bevestigde uitkomst gecorrigeerd'],
  'monitoring.ThresholdsSet': ['Monitoring thresholds set', 'Drempels voor monitoring ingesteld'],
  'monitoring.ThresholdBreached': ['Monitoring threshold breached (alert)', 'Drempel voor monitoring overschreden (signaal)'],
  'monitoring.ThresholdRecovered': ['Monitored figure back within its threshold', 'Gemonitorde waarde weer binnen de drempel'],
  'monitoring.AlertIncidentOpened': ['Incident opened for a monitoring alert', 'Incident geopend voor een monitoringsignaal'],
  'monitoring.AlertDismissed': ['Monitoring alert dismissed', 'Monitoringsignaal afgewezen'],
  'evidence.LedgerSigningKeyActivated': ['Ledger signing key activated', 'Ondertekeningssleutel grootboek geactiveerd'],
  'incidents.IncidentDetected': ['Incident detected', 'Incident gemeld'],
  'incidents.AwarenessEstablished': ['Awareness established (clock starts)', 'Moment van kennisname vastgesteld'],
  'incidents.IncidentClassified': ['Incident classified', 'Incident geclassificeerd'],
  'incidents.DeadlinesComputed': ['Reporting deadlines computed', 'Meldtermijnen berekend'],
  'incidents.DeadlinesRecomputed': ['Reporting deadlines recomputed (rulebook correction)', 'Meldtermijnen herberekend (correctie regelboek)'],
  'incidents.ProviderUnreachable': ['Provider could not be reached (AI Act Art. 26(5))', 'Aanbieder onbereikbaar (AI-verordening art. 26 lid 5)'],
  'incidents.InvestigationReportTermSet': ['IGJ investigation-report term set', 'Termijn onderzoeksrapport IGJ vastgelegd'],
  'incidents.ReportResendRequested': ['Report sent again', 'Rapport opnieuw verzonden'],
  'incidents.CalamityEstablished': ['Calamity established (Wkkgz)', 'Calamiteit vastgesteld (Wkkgz)'],
  'incidents.CalamityRuledOut': ['Not a calamity (Wkkgz)', 'Geen calamiteit (Wkkgz)'],
  'incidents.SupplierNotified': ['Supplier notified', 'Leverancier geïnformeerd'],
  'incidents.AuthorityNotified': ['Authority notified', 'Toezichthouder geïnformeerd'],
  'incidents.FollowUpReported': ['Follow-up reported', 'Vervolgrapportage gedaan'],
  'incidents.ReportDelivered': ['Report delivered', 'Rapport afgeleverd'],
  'incidents.ReportDeliveryFailed': ['Report delivery failed', 'Aflevering rapport mislukt'],
  'incidents.SupplierAcknowledged': ['Supplier acknowledged', 'Leverancier bevestigde ontvangst'],
  'incidents.InvestigationNoteAdded': ['Investigation note added', 'Onderzoeksnotitie toegevoegd'],
  'incidents.IncidentClosed': ['Incident closed', 'Incident gesloten'],
  'incidents.IncidentReopened': ['Incident reopened', 'Incident heropend'],
  'incidents.SystemUseSuspended': ['AI system use suspended for the incident', 'Gebruik AI-systeem opgeschort vanwege incident'],
  'retention.LogArtefactRecorded': ['Log artefact recorded', 'Logbestand vastgelegd'],
  'retention.RetentionPolicySet': ['Retention policy set', 'Bewaarbeleid vastgesteld'],
  'retention.RetentionSet': ['Retention period set', 'Bewaartermijn vastgesteld'],
  'retention.PurgeRequested': ['Purge requested', 'Vernietiging aangevraagd'],
  'retention.PurgeRefused': ['Purge refused', 'Vernietiging geweigerd'],
  'retention.LogArtefactPurged': ['Log artefact purged', 'Logbestand vernietigd'],
  'retention.PurgeRevoked': ['Purge taken back for a legal hold', 'Vernietiging teruggedraaid wegens juridische bewaarplicht'],
  'retention.LogArtefactDownloaded': ['Log artefact downloaded', 'Logbestand gedownload'],
  'retention.LegalHoldPlaced': ['Legal hold placed', 'Juridische bewaarplicht opgelegd'],
  'retention.LegalHoldReviewed': ['Legal hold reviewed', 'Juridische bewaarplicht herbeoordeeld'],
  'retention.LegalHoldReleased': ['Legal hold released', 'Juridische bewaarplicht opgeheven'],
  'identity.DataSubjectKeyShredded': ['Personal data erased (key destroyed)', 'Persoonsgegevens gewist (sleutel vernietigd)'],
  'identity.ErasureRestricted': ['Erasure restricted', 'Wissen beperkt'],
  'identity.ErasureDecided': [
    'Erasure decided (grounds checked again before the key is destroyed)',
    'Wissen besloten (gronden opnieuw gecontroleerd voor vernietiging sleutel)',
  ],
  'disclosure.DisclosureScopeChanged': ['Disclosure scope changed', 'Reikwijdte openlegging gewijzigd'],
  'disclosure.RedactionsDecided': ['Redactions decided', 'Weglakkingen vastgesteld'],
  'disclosure.DisclosureDelivered': ['Disclosure delivered', 'Openlegging afgeleverd'],
  'disclosure.DisclosureClosed': ['Disclosure request closed', 'Verzoek tot openlegging gesloten'],
  'disclosure.DisclosureRequestReceived': ['Disclosure request received', 'Verzoek tot openlegging ontvangen'],
  'disclosure.BundleExported': ['Evidence bundle exported', 'Bewijspakket geëxporteerd'],
};

export function isEncrypted(v: unknown): v is EncryptedTextLike {
  return !!v && typeof v === 'object' && (v as { enc?: unknown }).enc === 'aes-256-gcm';
}

/** `[erased]` after crypto-shredding; `[unreadable]` if the ciphertext is damaged (never blocks an export). */
async function readable(decrypt: Decrypt, v: EncryptedTextLike): Promise<string> {
  try {
    return (await decrypt(v)) ?? '[erased]';
  } catch {
    return '[unreadable]';
  }
}

// `title` is a supplier notice's subject: what the notice is about, never personal data. `summary`
// is an AI output's short summary (by feed, encrypted per patient): last, so older bundles' order stays.
export const TEXT_FIELDS = [
  'reason',
  'narrative',
  'note',
  'correctionNote',
  'description',
  'rationale',
  'awarenessReason',
  'conclusion',
  'reasons',
  'title',
  'summary',
];

/**
 * The event's texts as the timeline shows them, in TEXT_FIELDS order: an encrypted one through
 * `encrypted` (called in that order), a redacted one (ADR 0039) as `[redacted: <grounds>]`, a plain one as it is.
 */
export async function textsOf(e: EventEnvelope, encrypted: (field: string, v: EncryptedTextLike) => Promise<string> | string): Promise<string[]> {
  const d = e.data;
  const texts: string[] = [];
  // An index, not for…of: an iterator held across awaits is allocated (per event exported).
  for (let i = 0; i < TEXT_FIELDS.length; i++) {
    const f = TEXT_FIELDS[i];
    const v = d[f];
    const shown = isEncrypted(v) ? await encrypted(f, v) : plainText(v);
    if (shown !== null) texts.push(shown);
  }
  return texts;
}

/** textsOf of an event without encrypted texts, synchronously (export calls it per event); null when it has one. */
export function plainTextsOf(e: EventEnvelope): string[] | null {
  const d = e.data;
  const texts: string[] = [];
  for (const f of TEXT_FIELDS) {
    const v = d[f];
    if (isEncrypted(v)) return null;
    const shown = plainText(v);
    if (shown !== null) texts.push(shown);
  }
  return texts;
}

/** A text member not encrypted as the timeline shows it: a string as it is, a redacted one (ADR 0039) as `[redacted: <grounds>]`. */
function plainText(v: unknown): string | null {
  return typeof v === 'string' && v ? v : redactedText(v);
}

/** One human-readable line per event; free text decrypted per data subject where still possible. */
export async function timelineEntry(e: EventEnvelope, decrypt: Decrypt): Promise<TimelineEntry> {
  return timelineRow(e, await textsOf(e, (_, v) => readable(decrypt, v)));
}

/**
 * An encrypted text for a bundle: its plaintexts.jsonl line (opened with its salt when it has a
 * commitment) and so what the timeline shows. Never blocks an export: damage shows as unreadable.
 */
export async function plaintextLine(reveal: Reveal, position: number, field: string, v: EncryptedTextLike): Promise<PlaintextLine> {
  try {
    const r = await reveal(v);
    if (r === null) return { field, position, withheld: 'erased' };
    if (v.commitment === undefined || r.salt === null) return { field, position, text: r.text, unproven: `written before ${TEXT_COMMITMENT}` };
    return { field, position, salt: r.salt, text: r.text };
  } catch {
    return { field, position, withheld: 'unreadable' };
  }
}

/** The timeline row of an event given its texts as shown (textsOf): pure, so a verifier derives the same row. */
export function timelineRow(e: EventEnvelope, texts: string[]): TimelineEntry {
  const d = e.data;
  const occurredAt = businessTime(e);
  // A verifier derives rows from events it does not trust yet: a line without metadata gives '' here too.
  const actor = (e.metadata as EventEnvelope['metadata'] | undefined)?.actor;
  // A redacted actor (leaf format 2, ADR 0039) shows its grounds in both cells, nothing of the person.
  const actorRedacted = redactedText(actor);
  const [label, labelNl] = Object.hasOwn(LABELS, e.type) ? LABELS[e.type] : [e.type, e.type];
  const str = (k: string) => (typeof d[k] === 'string' ? d[k] : redactedText(d[k]));
  return {
    position: e.globalPosition,
    streamId: e.streamId,
    revision: e.streamRevision,
    type: e.type,
    label,
    labelNl,
    occurredAt,
    recordedAt: e.recordedAt,
    late: Date.parse(e.recordedAt) - Date.parse(occurredAt) > 3_600_000,
    actor: actorRedacted ?? actor?.subject ?? '',
    role: actorRedacted ?? actor?.role ?? '',
    patient: str('patientPseudonym'),
    aiSystem: str('aiSystemId'),
    incident: str('incidentId'),
    decision: str('decision'),
    text: texts.length ? texts.join(' | ') : null,
  };
}

/** The row of a withheld event (VERIFY.md B.12): its place and the grounds, nothing of its content. */
export function withheldRow(w: WithheldEvent): TimelineEntry {
  return {
    position: w.globalPosition,
    streamId: w.streamId,
    revision: w.streamRevision,
    type: 'withheld',
    label: 'Event withheld (redacted)',
    labelNl: 'Gebeurtenis achtergehouden (weggelakt)',
    occurredAt: '',
    recordedAt: '',
    late: false,
    actor: '',
    role: '',
    patient: null,
    aiSystem: null,
    incident: null,
    decision: null,
    text: `[withheld: ${w.$withheld.ground}]`,
  };
}

export const TIMELINE_COLUMNS: Array<keyof TimelineEntry> = [
  'position',
  'streamId',
  'revision',
  'type',
  'label',
  'labelNl',
  'occurredAt',
  'recordedAt',
  'late',
  'actor',
  'role',
  'patient',
  'aiSystem',
  'incident',
  'decision',
  'text',
];

/** RFC 4180 CSV; cells that a spreadsheet would run as formulas are prefixed with a quote. */
export function csvRow(values: unknown[]): string {
  // Appended cell by cell (no array of cells to join): export writes a row per event.
  let out = '';
  for (let i = 0; i < values.length; i++) {
    let s = asText(values[i]);
    if (FORMULA.test(s)) s = `'${s}`;
    if (i !== 0) out += ',';
    out += QUOTED.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }
  return out + '\r\n';
}
const FORMULA = /^[=+\-@\t\r]/;
const QUOTED = /[",\r\n]/;
