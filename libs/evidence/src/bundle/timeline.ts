import type { EventEnvelope } from '@app/event-store';
import { asText } from './text';
import { businessTime } from './scope';

export interface EncryptedTextLike {
  enc: 'aes-256-gcm';
  kid: string;
  iv: string;
  ct: string;
}

export type Decrypt = (value: EncryptedTextLike) => Promise<string | null>;

export interface TimelineEntry {
  position: number;
  streamId: string;
  revision: number;
  type: string;
  label: string;
  labelNl: string;
  occurredAt: string;
  recordedAt: string;
  /** Recorded more than an hour after it happened. */
  late: boolean;
  actor: string;
  role: string;
  patient: string | null;
  aiSystem: string | null;
  incident: string | null;
  decision: string | null;
  /** Free text, decrypted; `[erased]` when its subject key was shredded, `[redacted]` when withheld. */
  text: string | null;
}

const LABELS: Record<string, [string, string]> = {
  'ai-systems.AiSystemRegistered': ['AI system registered', 'AI-systeem geregistreerd'],
  'ai-systems.AiSystemVersionChanged': ['AI system version changed', 'Versie AI-systeem gewijzigd'],
  'ai-systems.AiSystemUseSuspended': ['Use of AI system suspended', 'Gebruik AI-systeem opgeschort'],
  'ai-systems.AiSystemUseResumed': ['Use of AI system resumed', 'Gebruik AI-systeem hervat'],
  'ai-systems.SupplierNoticeReceived': ['Supplier notice received (field safety notice or security advisory)', 'Bericht van leverancier ontvangen (veiligheidsmededeling of beveiligingsadvies)'],
  'ai-systems.SupplierNoticeActionRecorded': ['Action on a supplier notice recorded', 'Actie op bericht van leverancier vastgelegd'],
  'ai-systems.SupplierNoticeClosed': ['Supplier notice closed', 'Bericht van leverancier afgesloten'],
  'oversight.AiOutputReviewed': ['AI output reviewed', 'AI-uitkomst beoordeeld'],
  'oversight.ReviewCorrected': ['Review corrected', 'Beoordeling gecorrigeerd'],
  'oversight.ReviewWithdrawn': ['Review withdrawn', 'Beoordeling ingetrokken'],
  'oversight.ReviewLinkedToIncident': ['Review linked to incident', 'Beoordeling gekoppeld aan incident'],
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
  'identity.ErasureDecided': ['Erasure decided (grounds checked again before the key is destroyed)', 'Wissen besloten (gronden opnieuw gecontroleerd voor vernietiging sleutel)'],
  'disclosure.DisclosureScopeChanged': ['Disclosure scope changed', 'Reikwijdte openlegging gewijzigd'],
  'disclosure.RedactionsDecided': ['Redactions decided', 'Weglakkingen vastgesteld'],
  'disclosure.DisclosureDelivered': ['Disclosure delivered', 'Openlegging afgeleverd'],
  'disclosure.DisclosureClosed': ['Disclosure request closed', 'Verzoek tot openlegging gesloten'],
  'disclosure.DisclosureRequestReceived': ['Disclosure request received', 'Verzoek tot openlegging ontvangen'],
  'disclosure.BundleExported': ['Evidence bundle exported', 'Bewijspakket geëxporteerd'],
};

function isEncrypted(v: unknown): v is EncryptedTextLike {
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

// `title` is a supplier notice's subject: what the notice is about, never personal data.
const TEXT_FIELDS = ['reason', 'narrative', 'note', 'correctionNote', 'description', 'rationale', 'awarenessReason', 'conclusion', 'reasons', 'title'];

/** One human-readable line per event; free text decrypted per data subject where still possible. */
export async function timelineEntry(e: EventEnvelope, decrypt: Decrypt): Promise<TimelineEntry> {
  const d = e.data;
  const texts: string[] = [];
  for (const f of TEXT_FIELDS) {
    const v = d[f];
    if (isEncrypted(v)) texts.push(await readable(decrypt, v));
    else if (v && typeof v === 'object' && '$redacted' in v) texts.push('[redacted]');
    else if (typeof v === 'string' && v) texts.push(v);
  }
  const occurredAt = businessTime(e);
  const [label, labelNl] = LABELS[e.type] ?? [e.type, e.type];
  const str = (k: string) => (typeof d[k] === 'string' ? d[k] : null);
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
    actor: e.metadata.actor?.subject ?? '',
    role: e.metadata.actor?.role ?? '',
    patient: str('patientPseudonym'),
    aiSystem: str('aiSystemId'),
    incident: str('incidentId'),
    decision: str('decision'),
    text: texts.length ? texts.join(' | ') : null,
  };
}

export const TIMELINE_COLUMNS: Array<keyof TimelineEntry> = [
  'position', 'streamId', 'revision', 'type', 'label', 'labelNl', 'occurredAt', 'recordedAt', 'late', 'actor', 'role',
  'patient', 'aiSystem', 'incident', 'decision', 'text',
];

/** RFC 4180 CSV; cells that a spreadsheet would run as formulas are prefixed with a quote. */
export function csvRow(values: unknown[]): string {
  return (
    values
      .map((v) => {
        let s = asText(v);
        if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
        return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
      })
      .join(',') + '\r\n'
  );
}
