import { Inject, Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { v7 as uuidv7 } from 'uuid';
import { GetComplianceFileQuery } from '@app/compliance';
import { type Actor, CLOCK, type Clock, DomainError, EVENT_STORE, type EventStore } from '@app/event-store';
import { GetAiSystemQuery } from '@app/ai-systems';
import { LedgerAnchorService, LedgerService, writeBundle, type BundleResult } from '@app/evidence';
import { SubjectKeyStore } from '@app/identity';
import { BLOB_STORE, type BlobStore } from '@app/retention';

export type ComplianceFileFormat = 'bundle' | 'json' | 'pdf';
export const COMPLIANCE_FILE_FORMATS: readonly ComplianceFileFormat[] = ['bundle', 'json', 'pdf'];

/**
 * `asOf` as the moment the file is read at: a date alone is the end of that day in the hospital's
 * zone (the file "as it stood on that date"), or now for today; an instant is taken as given. Null:
 * not a date or time.
 */
export function complianceAsOf(text: string, now: Date): string | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const day = DateTime.fromISO(text, { zone: 'Europe/Amsterdam' });
    if (!day.isValid) return null;
    const end = day.endOf('day').toJSDate();
    return (end.getTime() > now.getTime() && day.toISODate() === DateTime.fromJSDate(now, { zone: 'Europe/Amsterdam' }).toISODate() ? now : end).toISOString();
  }
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/**
 * Exports one system's compliance file as of a moment, provable like a disclosure bundle
 * (ADR 0053): a bundle whose scope is the system with an empty period, so it holds the streams
 * every bundle of the system holds whole (the system's own, its compliance file, the ledger keys)
 * and the documents in force that day, and no review and no patient. The writer adds the file
 * derived from those events (data/compliance-file.json, VERIFY.md B.18) and its PDF.
 */
@Injectable()
export class ComplianceFileExports {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly ledger: LedgerService,
    private readonly anchors: LedgerAnchorService,
    private readonly keys: SubjectKeyStore,
    private readonly queries: QueryBus,
  ) {}

  /**
   * Writes the bundle to a temporary file; `use` reads it (and the derived file) before the file
   * is removed. 404 when the system was not registered by `asOf`; 422 for a moment in the future.
   */
  async export<T>(aiSystemId: string, asOf: string, actor: Actor, use: (bundle: { path: string; result: BundleResult }) => T | Promise<T>): Promise<T> {
    if (Date.parse(asOf) > this.clock.now().getTime()) {
      throw new DomainError('as-of-in-future', `The file as of ${asOf} is not known yet: choose a moment up to now`, 422, 'asOf');
    }
    const { view } = await this.queries.execute(new GetComplianceFileQuery(aiSystemId, asOf));
    if (!view) throw new DomainError('ai-system-not-found', `No AI system ${aiSystemId} as of ${asOf}`, 404, 'id');
    const { state } = await this.queries.execute(new GetAiSystemQuery(aiSystemId));
    const dir = mkdtempSync(join(tmpdir(), 'compliance-file-'));
    const path = join(dir, 'bundle.zip');
    try {
      // An empty period (from after to): nothing is in it, so only the streams always in a bundle of this system are (VERIFY.md B.9).
      const to = new Date(Date.parse(asOf) - 1).toISOString();
      const result = await writeBundle(
        {
          store: this.store,
          ledger: this.ledger,
          anchors: this.anchors,
          reveal: (v) => this.keys.reveal(v),
          documentContent: (sha256) => this.blobs.read(sha256),
        },
        {
          requestId: `compliance-file-export-${uuidv7()}`,
          reference: `Compliance file ${aiSystemId} as of ${asOf}`,
          requester: `${actor.subject} (${actor.role})`,
          scope: { patientPseudonyms: [], aiSystemIds: [aiSystemId], incidentIds: [], from: asOf, to },
          redactions: [],
          producedBy: `${actor.subject} (${actor.role})`,
          complianceFile: { aiSystemId, asOf, systemName: state.exists ? (state.name ?? null) : null },
          description: `Compliance file of AI system ${aiSystemId} as of ${asOf} (ADR 0053)`,
        },
        createWriteStream(path, { flags: 'wx', mode: 0o600 }),
      );
      return await use({ path, result });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
