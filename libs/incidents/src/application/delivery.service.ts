import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThanOrEqual, type Repository } from 'typeorm';
import { CLOCK, type Clock, DomainError, EVENT_STORE, type EventStore, LEASES, type Leases, loadState, Workers } from '@app/event-store';
import { SubjectKeyStore } from '@app/identity';
import { incidentDecider, type IncidentState, incidentStreamId, type NotificationState, type RecordDeliveryAttempt } from '../domain';
import { IncidentDeliveryRow } from '../projections/incident.entities';
import { ExecuteIncidentCommand } from './incident.commands';
import { INCIDENTS_CONFIG, type IncidentsConfig, supplierEndpoint } from './incidents.config';
import { sentReport } from './incident.queries';
import { MailError, ReportMailer } from './report-mailer';
import { sha256Hex, signature } from './report-bytes';

/** Recorded as the actor of delivery outcomes. */
export const DELIVERY_ACTOR = { subject: 'system:incident-delivery', role: 'system' };

type Outcome = RecordDeliveryAttempt['outcome'];

/**
 * Sends queued supplier reports: reads due rows of the deliveries projection (the outbox fed from
 * the event log), POSTs the exact stored bytes, signed, to the webhook or mails them as the
 * attachment `report.json` (SMTP), and appends the outcome as an event. Delivery is at least
 * once: a crash between sending and the append repeats the send, so every request and message
 * carries `X-Oversight-Delivery` (the notification id) for the supplier to de-duplicate.
 */
@Injectable()
export class IncidentDeliveryService implements OnModuleInit {
  private readonly logger = new Logger('IncidentDelivery');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(INCIDENTS_CONFIG) private readonly config: IncidentsConfig,
    @InjectRepository(IncidentDeliveryRow) private readonly outbox: Repository<IncidentDeliveryRow>,
    private readonly commands: CommandBus,
    private readonly keys: SubjectKeyStore,
    private readonly mailer: ReportMailer,
    @Inject(LEASES) private readonly leases: Leases,
    private readonly workers: Workers,
  ) {}

  onModuleInit(): void {
    this.workers.register({
      name: 'incident-delivery',
      summary: 'sends queued supplier reports by webhook or e-mail and records each outcome (lease incident-delivery)',
      unconfigured: () => (this.config.delivery.enabled ? undefined : 'delivery is switched off (INCIDENT_DELIVERY)'),
      start: () => Promise.resolve(this.schedule()),
      stop: () => this.stop(),
    });
  }

  /** Before the data source closes (it does in onApplicationShutdown). */
  private async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      // Several instances: only the lease holder delivers (at least once still holds without it).
      this.running = this.leases
        .hold('incident-delivery')
        .then((held) => (held ? this.deliverDue() : 0))
        .then(
          () => undefined,
          (err: Error) => this.logger.error(`Delivery round failed: ${err.message}`),
        )
        .finally(() => this.schedule());
    }, this.config.delivery.pollMs);
  }

  /** One round: every delivery due by the business clock, oldest first. */
  async deliverDue(): Promise<number> {
    const due = await this.outbox.find({
      where: { status: 'pending', nextAttemptAt: LessThanOrEqual(this.clock.now().toISOString()) },
      order: { nextAttemptAt: 'ASC' },
      take: 20,
    });
    for (const row of due) {
      if (this.stopped) break;
      await this.deliver(row);
    }
    return due.length;
  }

  private async deliver(row: IncidentDeliveryRow): Promise<void> {
    const { state } = await loadState(this.store, incidentDecider, incidentStreamId(row.incidentId));
    const n = state.notifications.find((x) => x.notificationId === row.notificationId);
    // The read model may lag the stream: trust the stream, and let the projection catch up.
    if (!n || n.status !== 'queued' || n.attempts !== row.attempts) return;
    const attempt = n.attempts + 1;
    const outcome = await this.attempt(row, attempt, state, n);
    try {
      await this.commands.execute(
        new ExecuteIncidentCommand(
          { type: 'RecordDeliveryAttempt', incidentId: row.incidentId, notificationId: row.notificationId, attempt, outcome },
          DELIVERY_ACTOR,
        ),
      );
    } catch (err) {
      // Another worker recorded this attempt first: nothing to do.
      if (!(err instanceof DomainError)) throw err;
    }
  }

  private async attempt(row: IncidentDeliveryRow, attempt: number, state: IncidentState, n: NotificationState): Promise<Outcome> {
    const report = await sentReport(this.store, this.keys, row.incidentId, row.notificationId);
    if (!report?.bytes) return this.failure(attempt, null, 'The report was erased (subject key shredded); it cannot be sent', true);
    if (sha256Hex(report.bytes) !== report.sha256) return this.failure(attempt, null, 'Stored report does not match its SHA-256', true);
    const endpoint = supplierEndpoint(this.config, state.aiSystemId!, state.aiSystem!.supplierName);
    if (!endpoint) return this.failure(attempt, null, 'No secret is configured for this supplier any more');
    const sent = { bytes: report.bytes, sha256: report.sha256, signature: signature(report.bytes, endpoint.secret) };
    return n.channel === 'email' ? this.mail(row, attempt, state, n, sent) : this.post(row, attempt, sent);
  }

  /** The recorded destination is used, not today's configuration: the event says where it went. */
  private async mail(
    row: IncidentDeliveryRow,
    attempt: number,
    state: IncidentState,
    n: NotificationState,
    report: { bytes: Buffer; sha256: string; signature: string },
  ): Promise<Outcome> {
    if (!this.mailer.configured) return this.failure(attempt, null, 'SMTP is not configured (SMTP_URL) in this process');
    const system = state.aiSystem!;
    const kind = n.format === 'mdr-vigilance' ? 'MDR vigilance' : 'AI Act Art. 73';
    try {
      const smtpResponse = await this.mailer.send({
        to: row.destination.replace(/^mailto:/, ''),
        // No patient data in the subject or body: it is in the attachment only.
        subject: `Serious incident report (${kind}): ${system.name} ${system.version} [${row.notificationId}]`,
        text: [
          `${this.config.organisation} reports a serious incident with ${system.name} (version ${system.version}, supplier ${system.supplierName}).`,
          '',
          'The report is the attachment report.json. Use its bytes as they are:',
          `  SHA-256: ${report.sha256} (header X-Oversight-Report-SHA256)`,
          `  Signature: ${report.signature} (header X-Oversight-Signature, HMAC-SHA-256 of report.json under your shared secret)`,
          `  Delivery id: ${row.notificationId} (header X-Oversight-Delivery; the same on every attempt, de-duplicate on it)`,
          '',
          'Please acknowledge receipt as described in the report (acknowledge.url with acknowledge.token).',
        ].join('\n'),
        bytes: report.bytes,
        sha256: report.sha256,
        signature: report.signature,
        notificationId: row.notificationId,
        attempt,
      });
      return { delivered: true, httpStatus: null, smtpResponse, reportSha256: report.sha256 };
    } catch (err) {
      return this.failure(attempt, null, err instanceof MailError ? err.message : `SMTP: ${(err as Error).message}`);
    }
  }

  private async post(row: IncidentDeliveryRow, attempt: number, report: { bytes: Buffer; sha256: string; signature: string }): Promise<Outcome> {
    try {
      const res = await fetch(row.destination, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Oversight-Signature': report.signature,
          'X-Oversight-Delivery': row.notificationId,
          'X-Oversight-Attempt': String(attempt),
        },
        // A copy typed as a plain ArrayBuffer view: fetch's BodyInit does not take Buffer<ArrayBufferLike>.
        body: new Uint8Array(report.bytes),
        redirect: 'error',
        signal: AbortSignal.timeout(this.config.delivery.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { delivered: true, httpStatus: res.status, reportSha256: report.sha256 };
      return this.failure(attempt, res.status, `HTTP ${res.status} ${res.statusText}`.trim());
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return this.failure(attempt, null, `${(err as Error).message}${cause ? ` (${cause})` : ''}`);
    }
  }

  /** Exponential back-off: base × 2^(attempt−1), capped; after the last attempt, give up. */
  private failure(attempt: number, httpStatus: number | null, error: string, final = false): Outcome {
    const { baseDelayMs, maxDelayMs, maxAttempts } = this.config.delivery;
    const last = final || attempt >= maxAttempts;
    const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    const nextAttemptAt = last ? null : new Date(this.clock.now().getTime() + delay).toISOString();
    if (last) this.logger.warn(`Gave up delivering a report after attempt ${attempt}: ${error}`);
    return { delivered: false, httpStatus, error, nextAttemptAt };
  }
}
