import { Command } from '@nestjs/cqrs';
import type { Actor } from '@app/event-store';
import type { Channel, Classification, RecordDeliveryAttempt, Recipient, ReportFormat, ReportKind } from '../domain';

/** What the edge sends: free text still in clear; the handler encrypts it under the incident's data subject. */
export type IncidentInput =
  | {
      type: 'DetectIncident';
      incidentId: string;
      aiSystemId: string;
      narrative: string;
      patientPseudonyms: string[];
      linkedReviewIds: string[];
      occurredAt: string | null;
      awareAt: string | null;
      awarenessReason: string | null;
      nearMiss: boolean;
    }
  | { type: 'EstablishAwareness'; incidentId: string; awareAt: string; reason: string }
  | {
      type: 'ClassifyIncident';
      incidentId: string;
      /** `medicalDevice` null: taken from the system's MDR class. */
      classification: Omit<Classification, 'medicalDevice'> & { medicalDevice: boolean | null };
      rationale: string | null;
    }
  /** `establishedAt` / `decidedAt` null: now. */
  | { type: 'EstablishCalamity'; incidentId: string; establishedAt: string | null; reasons: string }
  | { type: 'RuleOutCalamity'; incidentId: string; decidedAt: string | null; reasons: string }
  | {
      type: 'NotifyRecipient';
      incidentId: string;
      notificationId: string;
      recipient: Recipient;
      /** Null: webhook to a supplier with a URL, else email when it has an address and SMTP is set; recorded for authorities. */
      channel: Channel | null;
      format: ReportFormat | null;
      complete: boolean;
      reference: string | null;
      notifiedAt: string | null;
      actionsTaken: string | null;
      reportKind: ReportKind | null;
    }
  | { type: 'SetInvestigationReportTerm'; incidentId: string; dueAt: string; igjReference: string | null }
  | { type: 'ResendReport'; incidentId: string; notificationId: string }
  /** `unreachableAt` null: now. */
  | { type: 'RecordProviderUnreachable'; incidentId: string; unreachableAt: string | null; reasons: string }
  | { type: 'RecomputeDeadlines'; incidentId: string; reason: string }
  | { type: 'SuspendSystemUse'; incidentId: string; reason: string }
  | { type: 'AddInvestigationNote'; incidentId: string; note: string }
  | { type: 'CloseIncident'; incidentId: string; conclusion: string }
  | { type: 'ReopenIncident'; incidentId: string; reason: string }
  | { type: 'AcknowledgeReport'; incidentId: string; notificationId: string; supplierReference: string | null }
  | Omit<RecordDeliveryAttempt, 'now'>;

export interface IncidentCommandResult {
  incidentId: string;
  revision: number;
  replayed: boolean;
  /** Set when a notification was recorded (also on an idempotent replay). */
  notificationId?: string;
  /** The notification's channel, with `notificationId`. */
  channel?: Channel;
}

export class ExecuteIncidentCommand extends Command<IncidentCommandResult> {
  constructor(
    readonly input: IncidentInput,
    readonly actor: Actor,
    readonly options: { idempotencyKey?: string; requestHash?: string; ifMatch?: number } = {},
  ) {
    super();
  }
}
