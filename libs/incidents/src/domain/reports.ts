import type { IncidentState } from './incident.decider';
import type { ReportFormat } from './incident.events';

/** What the edge adds to a report: clear text it decrypted and the context of this sending. */
export interface ReportInput {
  notificationId: string;
  kind: 'initial' | 'follow-up';
  complete: boolean;
  narrative: string | null;
  actionsTaken: string | null;
  reporterOrganisation: string;
  generatedAt: string;
  /** Where and how the supplier acknowledges receipt (webhook deliveries only). */
  acknowledge: { url: string; token: string } | null;
}

/**
 * Report bodies as pure functions of the incident, so the bytes sent are reproducible from the
 * events. Patients appear as a count only: pseudonyms stay inside the hospital.
 */
export function buildReport(format: ReportFormat, state: IncidentState, input: ReportInput): Record<string, unknown> {
  return format === 'mdr-vigilance' ? mdrVigilanceReport(state, input) : art73Report(state, input);
}

function art73Report(s: IncidentState, r: ReportInput): Record<string, unknown> {
  const c = s.classification;
  return {
    reportType: 'ai-act-art73-serious-incident',
    schemaVersion: 1,
    notificationId: r.notificationId,
    kind: r.kind,
    complete: r.complete,
    reporter: { role: 'deployer', organisation: r.reporterOrganisation },
    aiSystem: {
      aiSystemId: s.aiSystemId,
      name: s.aiSystem?.name ?? null,
      version: s.aiSystem?.version ?? null,
      provider: s.aiSystem?.supplierName ?? null,
      udiDi: s.aiSystem?.udiDi ?? null,
    },
    incident: {
      incidentId: s.incidentId,
      occurredAt: s.occurredAt,
      awareAt: s.awareAt,
      recordedAt: s.detectedAt,
      description: r.narrative,
    },
    classification: c ? { serious: c.serious, criteriaArt3_49: c.criteria, medicalDevice: c.medicalDevice, wkkgzCalamity: c.wkkgzCalamity } : null,
    affected: { patients: s.patientPseudonyms.length, linkedReviews: s.linkedReviewIds.length },
    deadlines: s.deadlines.map((d) => ({ recipient: d.recipient, rule: d.rule, dueAt: d.dueAt })),
    actionsTaken: r.actionsTaken,
    acknowledge: r.acknowledge,
    generatedAt: r.generatedAt,
  };
}

function mdrVigilanceReport(s: IncidentState, r: ReportInput): Record<string, unknown> {
  const c = s.classification;
  const outcome = !c
    ? 'unknown'
    : c.criteria.death
      ? 'death'
      : c.criteria.seriousHarmToHealth
        ? 'serious-deterioration-of-health'
        : c.serious
          ? 'other-serious-incident'
          : 'no-serious-harm';
  return {
    reportType: 'mdr-vigilance-incident',
    schemaVersion: 1,
    notificationId: r.notificationId,
    kind: r.kind,
    complete: r.complete,
    reporter: { role: 'healthcare-institution', organisation: r.reporterOrganisation },
    device: {
      name: s.aiSystem?.name ?? null,
      softwareVersion: s.aiSystem?.version ?? null,
      manufacturer: s.aiSystem?.supplierName ?? null,
      udiDi: s.aiSystem?.udiDi ?? null,
      mdrClass: s.aiSystem?.mdrClass ?? null,
    },
    event: {
      incidentId: s.incidentId,
      description: r.narrative,
      dateOfEvent: s.occurredAt,
      dateOfAwareness: s.awareAt,
      patientOutcome: outcome,
      patientsInvolved: s.patientPseudonyms.length,
      seriousPublicHealthThreat: c?.criteria.seriousPublicHealthThreat ?? false,
    },
    actionsTaken: r.actionsTaken,
    acknowledge: r.acknowledge,
    generatedAt: r.generatedAt,
  };
}
