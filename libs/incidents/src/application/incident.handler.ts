import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { GetAiSystemQuery } from '@app/ai-systems';
import { classificationAt, type ClassificationHeld, complianceFileDecider, complianceFileStreamId } from '@app/compliance';
import { type Actor, CLOCK, type Clock, commandHandler, EVENT_STORE, type EventStore, loadState, type Seal } from '@app/event-store';
import { SubjectKeyStore } from '@app/identity';
import { reviewDecider, reviewStreamId } from '@app/oversight';
// The ai-systems context's own command (its index does not export the application layer).
import { ExecuteAiSystemCommand } from '@app/ai-systems';
import {
  buildReport,
  type Channel,
  type IncidentCommand,
  incidentDecider,
  type IncidentState,
  incidentStream,
  incidentStreamId,
  type ReportFormat,
  type ReviewSnapshot,
  SUPPLIER_RECIPIENTS,
  type SystemScope,
  systemScope,
} from '../domain';
import { ExecuteIncidentCommand, type IncidentCommandResult, type IncidentInput } from './incident.commands';
import { INCIDENTS_CONFIG, type IncidentsConfig, supplierEndpoint } from './incidents.config';
import { acknowledgementToken, reportBytes, sha256Hex } from './report-bytes';

const present = (text: string | null | undefined): text is string => typeof text === 'string' && text.trim() !== '';

/** Loads the incident (and the system and reviews it cites), builds reports, decides, seals free text, appends. */
@CommandHandler(ExecuteIncidentCommand)
export class ExecuteIncidentCommandHandler implements ICommandHandler<ExecuteIncidentCommand, IncidentCommandResult> {
  private readonly write;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) clock: Clock,
    @Inject(INCIDENTS_CONFIG) private readonly config: IncidentsConfig,
    private readonly queries: QueryBus,
    private readonly commands: CommandBus,
    private readonly keys: SubjectKeyStore,
  ) {
    this.write = commandHandler({ store, clock, encrypt: (subject, text) => keys.encrypt(subject, text) }, incidentDecider, incidentStream);
  }

  async execute({ input, actor, options }: ExecuteIncidentCommand): Promise<IncidentCommandResult> {
    // A retried create answers with the first attempt's incident (the id read from the stream written).
    const { id, result } = await this.write(input.incidentId, (state, now, seal) => this.command(input, state, actor, now, seal), { actor, ...options });
    const notified = result.events.find((e) => typeof e.data.notificationId === 'string' && typeof e.data.channel === 'string');
    const notificationId = result.events.map((e) => e.data.notificationId).find((id): id is string => typeof id === 'string');
    const channel = notified?.data.channel as Channel | undefined;
    return { incidentId: id, revision: result.nextExpectedRevision, replayed: result.replayed, notificationId, ...(channel ? { channel } : {}) };
  }

  private async command(input: IncidentInput, state: IncidentState, by: Actor, now: string, seal: Seal): Promise<IncidentCommand> {
    const subject = state.narrativeSubject;
    const policy = this.config.policy;
    switch (input.type) {
      case 'DetectIncident': {
        const { state: system } = await this.queries.execute(new GetAiSystemQuery(input.aiSystemId));
        const held = await this.classificationAt(input.aiSystemId, input.awareAt ?? now);
        const linkedReviews = await Promise.all(input.linkedReviewIds.map((id) => this.review(id)));
        const patients = [...new Set([...input.patientPseudonyms, ...linkedReviews.flatMap((r) => (r.patientPseudonym ? [r.patientPseudonym] : []))])];
        // The narrative is about the first patient; without one, the incident is its own data subject.
        const narrativeSubject = patients[0] ?? `incident-${input.incidentId}`;
        return {
          type: 'DetectIncident',
          incidentId: input.incidentId,
          aiSystemId: input.aiSystemId,
          system: {
            exists: system.exists,
            name: system.name ?? '',
            supplierName: system.supplier?.name ?? '',
            version: system.currentVersion ?? '',
            udiDi: system.udiDi ?? null,
            ...systemScope(system, held),
          },
          narrative: seal(narrativeSubject, input.narrative),
          hasNarrative: present(input.narrative),
          narrativeSubject,
          patientPseudonyms: input.patientPseudonyms,
          linkedReviews,
          occurredAt: input.occurredAt,
          awareAt: input.awareAt,
          awarenessReason: seal(narrativeSubject, input.awarenessReason),
          nearMiss: input.nearMiss,
          policy,
          reporter: by,
          now,
        };
      }
      case 'EstablishAwareness': {
        const clocked = await this.clocked(state, input.awareAt);
        return { ...input, reason: seal(subject, input.reason), hasReason: present(input.reason), ...clocked, by, now };
      }
      case 'RecordProviderUnreachable': {
        const reasons = { reasons: seal(subject, input.reasons), hasReasons: present(input.reasons) };
        return { ...input, unreachableAt: input.unreachableAt ?? now, ...reasons, ...(await this.clocked(state)), by, now };
      }
      case 'RecomputeDeadlines':
        return { ...input, ...(await this.clocked(state)), now };
      case 'SetInvestigationReportTerm':
        return { ...input, ...(await this.clocked(state)), by, now };
      case 'ResendReport':
        return { ...input, by, now };
      case 'ClassifyIncident': {
        const clocked = await this.clocked(state);
        // The MDR class as the rulebook reads it (the compliance file's, else the registration's).
        const medicalDevice = input.classification.medicalDevice ?? (state.aiSystem !== null && clocked.scope.mdrClass !== 'none');
        return {
          ...input,
          classification: { ...input.classification, medicalDevice },
          rationale: seal(subject, input.rationale),
          hasRationale: present(input.rationale),
          ...clocked,
          by,
          now,
        };
      }
      case 'EstablishCalamity': {
        const reasons = { reasons: seal(subject, input.reasons), hasReasons: present(input.reasons) };
        return { ...input, establishedAt: input.establishedAt ?? now, ...reasons, ...(await this.clocked(state)), by, now };
      }
      case 'RuleOutCalamity': {
        const reasons = { reasons: seal(subject, input.reasons), hasReasons: present(input.reasons) };
        return { ...input, decidedAt: input.decidedAt ?? now, ...reasons, by, now };
      }
      case 'NotifyRecipient':
        return this.notification(input, state, by, now, seal);
      case 'SuspendSystemUse':
        return this.suspension(input, state, by, now);
      case 'AddInvestigationNote':
        return { ...input, note: seal(subject, input.note), hasNote: present(input.note), by, now };
      case 'CloseIncident':
        return { ...input, conclusion: seal(subject, input.conclusion), hasConclusion: present(input.conclusion), by, now };
      case 'ReopenIncident':
        return { ...input, reason: seal(subject, input.reason), hasReason: present(input.reason), by, now };
      case 'AcknowledgeReport':
      case 'RecordDeliveryAttempt':
        return { ...input, now };
    }
  }

  /**
   * A webhook report is built, serialised and hashed here, and its exact bytes go into the event
   * (encrypted: they hold the narrative). The event log is the outbox: the delivery worker sends
   * exactly these bytes, so what was sent is provable from the ledger.
   */
  private async notification(
    input: Extract<IncidentInput, { type: 'NotifyRecipient' }>,
    state: IncidentState,
    by: Actor,
    now: string,
    seal: Seal,
  ): Promise<IncidentCommand> {
    const format: ReportFormat = input.format ?? (input.recipient === 'manufacturer' ? 'mdr-vigilance' : 'ai-act-art73');
    const supplier = SUPPLIER_RECIPIENTS.includes(input.recipient);
    const endpoint = state.exists && supplier ? supplierEndpoint(this.config, state.aiSystemId!, state.aiSystem!.supplierName) : null;
    const mail = endpoint?.email && this.config.smtp ? `mailto:${endpoint.email}` : null;
    // Default: the webhook when there is one, else email; without either the decider refuses (no-supplier-endpoint).
    const channel: Channel = input.channel ?? (!supplier ? 'recorded' : !endpoint?.url && mail ? 'email' : 'webhook');
    const base = {
      ...input,
      channel,
      format,
      notifiedAt: input.notifiedAt ?? now,
      ...(await this.clocked(state)),
      by,
      now,
      destination: null,
      report: null,
      reportSha256: null,
    };
    if (channel === 'recorded' || !supplier || !endpoint) return base;
    const destination = channel === 'webhook' ? endpoint.url : mail;
    if (!destination) return base; // the decider refuses: no webhook / no email address or SMTP
    const report = buildReport(format, state, {
      notificationId: input.notificationId,
      kind: state.notifications.some((n) => n.recipient === input.recipient) ? 'follow-up' : 'initial',
      complete: input.complete,
      narrative: state.narrative ? await this.keys.decrypt(state.narrative) : null,
      actionsTaken: input.actionsTaken,
      reporterOrganisation: this.config.organisation,
      generatedAt: now,
      acknowledge: {
        url: `${this.config.publicBaseUrl}/api/v1/incidents/${input.incidentId}/acknowledgements`,
        token: acknowledgementToken(endpoint.secret, input.incidentId, input.notificationId),
      },
    });
    const bytes = reportBytes(report);
    return {
      ...base,
      destination,
      report: seal(state.narrativeSubject, bytes.toString('utf8')),
      reportSha256: sha256Hex(bytes),
    };
  }

  /**
   * Suspends the incident's AI system through the ai-systems context, unless its use is already
   * suspended, and returns the command that links the suspension to the incident. The incident
   * decider is asked first (without writing) so a closed or unknown incident suspends nothing.
   * Two streams, two appends: if the link's append fails after the suspension, a retry finds the
   * system suspended and links it with `alreadySuspended` (the ai-systems event carries the
   * incident as its correlation id).
   */
  private async suspension(
    input: Extract<IncidentInput, { type: 'SuspendSystemUse' }>,
    state: IncidentState,
    by: Actor,
    now: string,
  ): Promise<IncidentCommand> {
    const command = (system: { suspendedAt: string; byThisRequest: boolean }): IncidentCommand => ({
      type: 'SuspendSystemUse',
      incidentId: input.incidentId,
      reason: input.reason,
      system,
      by,
      now,
    });
    if (!state.exists) return command({ suspendedAt: now, byThisRequest: true }); // the decider refuses: 404
    const aiSystemId = state.aiSystemId!;
    const since = await this.suspendedSince(aiSystemId);
    if (since) return command({ suspendedAt: since, byThisRequest: false });
    incidentDecider.decide(command({ suspendedAt: now, byThisRequest: true }), state);
    // A concurrent suspension makes this a 409 ai-system-already-suspended from the ai-systems context.
    await this.commands.execute(
      new ExecuteAiSystemCommand({ type: 'SuspendAiSystemUse', aiSystemId, reason: input.reason }, by, { correlationId: incidentStreamId(input.incidentId) }),
    );
    return command({ suspendedAt: (await this.suspendedSince(aiSystemId)) ?? now, byThisRequest: true });
  }

  /**
   * The policy and the AI system's facts as the register and the compliance file hold them now,
   * the file's classification as of awareness (`awareAt`: the incident's, or the one being set):
   * a correction of the system's class reaches the next computation (and is recorded with it).
   */
  private async clocked(state: IncidentState, awareAt = state.awareAt): Promise<{ policy: IncidentsConfig['policy']; scope: SystemScope }> {
    if (!state.exists) return { policy: this.config.policy, scope: systemScope({}, null) }; // the decider refuses: 404
    const { state: system } = await this.queries.execute(new GetAiSystemQuery(state.aiSystemId!));
    const held = awareAt ? await this.classificationAt(state.aiSystemId!, awareAt) : null;
    return { policy: this.config.policy, scope: systemScope(system.exists ? system : { mdrClass: state.aiSystem?.mdrClass }, held) };
  }

  /** The compliance file's classification that held at `at` (issue 23, ADR 0041); null when none did. */
  private async classificationAt(aiSystemId: string, at: string): Promise<ClassificationHeld | null> {
    const { state } = await loadState(this.store, complianceFileDecider, complianceFileStreamId(aiSystemId));
    return classificationAt(state, at);
  }

  /** When the system's current suspension began; null while it is in use. */
  private async suspendedSince(aiSystemId: string): Promise<string | null> {
    const { state } = await this.queries.execute(new GetAiSystemQuery(aiSystemId));
    return state.exists && state.status === 'suspended' ? (state.suspension?.suspendedAt ?? null) : null;
  }

  private async review(reviewId: string): Promise<ReviewSnapshot> {
    const { state } = await loadState(this.store, reviewDecider, reviewStreamId(reviewId));
    return {
      reviewId,
      exists: state.exists,
      aiSystemId: state.aiSystemId,
      reviewerSubject: state.reviewer?.subject ?? null,
      patientPseudonym: state.patientPseudonym,
    };
  }
}
