import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { type Actor, EVENT_STORE, type EventStore, STORAGE_CONFIG, type StorageConfig } from '@app/event-store';
import { type BundleProgress, LedgerService, writeBundle } from '@app/evidence';
import { AccessLog, SubjectKeyStore } from '@app/identity';
import { DomainError } from '@app/event-store';
import { ExecuteDisclosureCommand, GetDisclosureQuery } from './disclosure.commands';

export interface BundleJob {
  bundleId: string;
  requestId: string;
  status: 'running' | 'done' | 'failed';
  progress: BundleProgress;
  startedAt: string;
  finishedAt: string | null;
  bundleSha256: string | null;
  byteSize: number | null;
  eventCount: number | null;
  error: string | null;
}

/**
 * Runs bundle exports as jobs. The zip is written under a `.partial` name and renamed only once
 * complete and recorded (BundleExported, with its SHA-256): a half-written bundle is never offered.
 */
@Injectable()
export class BundleExports {
  private readonly logger = new Logger('Bundles');
  private readonly jobs = new Map<string, BundleJob>();
  private readonly dir: string;

  constructor(
    @Inject(STORAGE_CONFIG) config: StorageConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly ledger: LedgerService,
    private readonly keys: SubjectKeyStore,
    private readonly accessLog: AccessLog,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {
    this.dir = join(config.dataDir, 'bundles');
    mkdirSync(this.dir, { recursive: true });
    void this.removeLeftovers();
  }

  private async removeLeftovers() {
    for (const f of await readdir(this.dir)) if (f.endsWith('.partial')) rmSync(join(this.dir, f), { force: true });
  }

  fileOf(bundleId: string): string {
    return join(this.dir, `${bundleId}.zip`);
  }

  job(bundleId: string): BundleJob | undefined {
    return this.jobs.get(bundleId);
  }

  /** Starts an export; resolves with the job at once (`done` resolves when the bundle is recorded). */
  async start(requestId: string, actor: Actor): Promise<{ job: BundleJob; done: Promise<BundleJob> }> {
    const { state } = await this.queries.execute(new GetDisclosureQuery(requestId));
    if (!state.exists) throw new DomainError('disclosure-not-found', `No disclosure request ${requestId}`, 404);
    if (state.status === 'closed') throw new DomainError('disclosure-closed', 'The disclosure request is closed', 409);
    const bundleId = uuidv7();
    const job: BundleJob = {
      bundleId,
      requestId,
      status: 'running',
      progress: { phase: 'sealing', done: 0, total: 0 },
      startedAt: new Date().toISOString(),
      finishedAt: null,
      bundleSha256: null,
      byteSize: null,
      eventCount: null,
      error: null,
    };
    this.jobs.set(bundleId, job);
    const partial = `${this.fileOf(bundleId)}.partial`;
    const done = (async () => {
      try {
        const result = await writeBundle(
          { store: this.store, ledger: this.ledger, decrypt: (v) => this.keys.decrypt(v), accessLog: (p) => this.accessEntries(p) },
          {
            requestId,
            reference: state.reference!,
            requester: `${state.requester!.kind}: ${state.requester!.name}`,
            scope: state.scope!,
            redactions: state.redactions,
            producedBy: `${actor.subject} (${actor.role})`,
          },
          createWriteStream(partial, { flags: 'wx' }),
          (p) => (job.progress = p),
        );
        await this.commands.execute(
          new ExecuteDisclosureCommand(
            {
              type: 'RecordBundleExport',
              requestId,
              bundleId,
              treeSize: result.treeSize,
              rootHash: result.rootHash,
              eventCount: result.eventCount,
              byteSize: result.byteSize,
              bundleSha256: result.bundleSha256,
            },
            actor,
          ),
        );
        renameSync(partial, this.fileOf(bundleId));
        Object.assign(job, { status: 'done', finishedAt: new Date().toISOString(), bundleSha256: result.bundleSha256, byteSize: result.byteSize, eventCount: result.eventCount });
      } catch (err) {
        rmSync(partial, { force: true });
        Object.assign(job, { status: 'failed', finishedAt: new Date().toISOString(), error: (err as Error).message });
        this.logger.error(`Bundle ${bundleId} failed: ${(err as Error).message}`);
      }
      return job;
    })();
    return { job, done };
  }

  /** Who read these patients' data, page by page (who, role, when, what, from where). */
  private async *accessEntries(pseudonyms: string[]): AsyncGenerator<object> {
    for (const subject of pseudonyms) {
      let afterSeq = 0;
      for (;;) {
        const page = await this.accessLog.find({ subject, afterSeq, limit: 1000 });
        yield* page;
        if (page.length < 1000) break;
        afterSeq = page[page.length - 1].seq;
      }
    }
  }

  open(bundleId: string) {
    const file = this.fileOf(bundleId);
    return existsSync(file) ? createReadStream(file) : undefined;
  }
}
