import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, IsNull, type Repository } from 'typeorm';
import { type Actor, EVENT_STORE, type EventStore, loadState, SqlDatabase, STORAGE_CONFIG, type StorageConfig } from '@app/event-store';
import { AccessLogHeads, type BundleProgress, LedgerAnchorService, LedgerService, writeBundle } from '@app/evidence';
import { AccessLog, dataSubjectStreamId, erasureDecider, type Role, SubjectKeyStore } from '@app/identity';
import { BLOB_STORE, type BlobStore } from '@app/retention';
import { DomainError } from '@app/event-store';
import { type DisclosureCommandResult, ExecuteDisclosureCommand, GetDisclosureQuery } from './disclosure.commands';
import { DisclosureBundleRow } from '../projections/disclosure.projection';

/** Who may export a bundle: the API's route and `registry export-bundle` both hold to this. */
export const BUNDLE_EXPORT_ROLES = ['legal'] as const satisfies readonly Role[];

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

interface BundleJobRow {
  bundle_id: string;
  request_id: string;
  status: BundleJob['status'];
  progress: string;
  started_at: string;
  finished_at: string | null;
  bundle_sha256: string | null;
  byte_size: number | string | null;
  event_count: number | string | null;
  error: string | null;
}

/** How often a running export writes its progress to its job row (and on every phase change). */
const PROGRESS_EVERY_MS = 500;

/**
 * Runs bundle exports as jobs. The zip is written under a `.partial` name, flushed to disk, and
 * renamed only once complete and recorded (BundleExported, with its SHA-256): a half-written
 * bundle is never offered. A crash between the record and the rename leaves a recorded bundle
 * under its `.partial` name: at start-up it is renamed if its SHA-256 is the recorded one, so the
 * chain of custody never names a bundle the hospital no longer has; any other leftover is removed.
 * Jobs and their progress are rows (bundle_export_jobs), so every instance answers the same.
 */
@Injectable()
export class BundleExports implements OnApplicationBootstrap {
  private readonly logger = new Logger('Bundles');
  private readonly dir: string;
  /** One process on embedded SQLite: a job still running at start-up was cut short by a stop. */
  private readonly singleProcess: boolean;

  constructor(
    @Inject(STORAGE_CONFIG) config: StorageConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly ledger: LedgerService,
    private readonly anchors: LedgerAnchorService,
    private readonly keys: SubjectKeyStore,
    private readonly accessLog: AccessLog,
    private readonly accessLogHeads: AccessLogHeads,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly db: SqlDatabase,
    @InjectRepository(DisclosureBundleRow) private readonly bundleRows: Repository<DisclosureBundleRow>,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
  ) {
    this.dir = join(config.dataDir, 'bundles');
    this.singleProcess = config.kind !== 'postgres';
    mkdirSync(this.dir, { recursive: true });
  }

  /** After the query handlers are registered: bundles left by an earlier process. */
  async onApplicationBootstrap(): Promise<void> {
    await this.settleLeftovers().catch((err: Error) => this.logger.error(`Settling unfinished bundles failed: ${err.message}`));
  }

  private partialOf(requestId: string, bundleId: string): string {
    return join(this.dir, `${requestId}--${bundleId}.zip.partial`);
  }

  private async settleLeftovers(): Promise<void> {
    // Nothing runs before start-up in a single process: its unfinished jobs are gone with the
    // partial files below (a killed export is offered neither as a job nor for download).
    if (this.singleProcess) await this.db.query("DELETE FROM bundle_export_jobs WHERE status = 'running'");
    // A crash between recording a discard and deleting the file: delete it now.
    for (const { bundleId } of await this.bundleRows.find({ where: { discardedAt: Not(IsNull()) } })) await this.remove(bundleId);
    for (const f of await readdir(this.dir)) {
      if (!f.endsWith('.partial')) continue;
      const [requestId, bundleId] = f.slice(0, -'.zip.partial'.length).split('--');
      const file = join(this.dir, f);
      const recorded = requestId && bundleId ? await this.recorded(requestId, bundleId) : undefined;
      if (recorded && (await sha256Of(file)) === recorded.bundleSha256) {
        await this.publish(file, bundleId);
        this.logger.warn(`Bundle ${bundleId} was recorded but not yet renamed when the last process stopped: renamed now`);
      } else {
        rmSync(file, { force: true });
        if (bundleId) await this.db.query('DELETE FROM bundle_export_jobs WHERE bundle_id = ?', [bundleId]);
        if (recorded) this.logger.error(`Bundle ${bundleId} is recorded, but its file does not match the recorded SHA-256: removed`);
      }
    }
  }

  private async recorded(requestId: string, bundleId: string) {
    const { state } = await this.queries.execute(new GetDisclosureQuery(requestId));
    return state.exists ? state.bundles.find((b) => b.bundleId === bundleId) : undefined;
  }

  /** Renames into place and makes the rename durable (the directory entry is flushed too). */
  private async publish(partial: string, bundleId: string): Promise<void> {
    await rename(partial, this.fileOf(bundleId));
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  fileOf(bundleId: string): string {
    return join(this.dir, `${bundleId}.zip`);
  }

  /** The job as stored: the same answer on every instance, whichever ran it. */
  async job(bundleId: string): Promise<BundleJob | undefined> {
    const [r] = await this.db.query<BundleJobRow>('SELECT * FROM bundle_export_jobs WHERE bundle_id = ?', [bundleId]);
    if (!r) return undefined;
    return {
      bundleId: r.bundle_id,
      requestId: r.request_id,
      status: r.status,
      progress: JSON.parse(r.progress) as BundleProgress,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      bundleSha256: r.bundle_sha256,
      byteSize: r.byte_size === null ? null : Number(r.byte_size),
      eventCount: r.event_count === null ? null : Number(r.event_count),
      error: r.error,
    };
  }

  private async saveJob(job: BundleJob): Promise<void> {
    await this.db.query(
      `UPDATE bundle_export_jobs SET status = ?, progress = ?, finished_at = ?, bundle_sha256 = ?, byte_size = ?, event_count = ?, error = ? WHERE bundle_id = ?`,
      [
        job.status,
        JSON.stringify(job.progress),
        job.finishedAt,
        job.bundleSha256,
        job.byteSize,
        job.eventCount,
        job.error?.slice(0, 1000) ?? null,
        job.bundleId,
      ],
    );
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
    await this.db.query('INSERT INTO bundle_export_jobs (bundle_id, request_id, status, progress, started_at) VALUES (?, ?, ?, ?, ?)', [
      bundleId,
      requestId,
      job.status,
      JSON.stringify(job.progress),
      job.startedAt,
    ]);
    // Progress rows are written one at a time, at most every PROGRESS_EVERY_MS and on each new
    // phase; the final state waits for the last of them so it is never overwritten.
    let saving: Promise<void> = Promise.resolve();
    let savedAt = Date.now();
    const onProgress = (p: BundleProgress) => {
      const phaseChanged = p.phase !== job.progress.phase;
      job.progress = p;
      if (!phaseChanged && Date.now() - savedAt < PROGRESS_EVERY_MS) return;
      savedAt = Date.now();
      saving = saving.then(() => this.saveJob(job)).catch((err: Error) => this.logger.warn(`Progress of bundle ${bundleId} not saved: ${err.message}`));
    };
    const partial = this.partialOf(requestId, bundleId);
    // Whose text the bundle holds readable (by data key): recorded with it, so that their erasure
    // sees the stored bundle without opening it (ADR 0034).
    const kids = new Set<string>();
    const reveal = async (v: Parameters<SubjectKeyStore['reveal']>[0]) => {
      const opened = await this.keys.reveal(v);
      if (opened !== null) kids.add(v.kid);
      return opened;
    };
    const done = (async () => {
      try {
        const result = await writeBundle(
          {
            store: this.store,
            ledger: this.ledger,
            anchors: this.anchors,
            reveal,
            accessLog: (p, through) => this.accessEntries(p, through),
            documentContent: (sha256) => this.blobs.read(sha256),
            // The access log's current tree head anchored by the exporter first (ADR 0047).
            accessLogHead: () => this.accessLogHeads.anchor(actor),
          },
          {
            requestId,
            reference: state.reference!,
            requester: `${state.requester!.kind}: ${state.requester!.name}`,
            scope: state.scope!,
            redactions: state.redactions,
            producedBy: `${actor.subject} (${actor.role})`,
          },
          createWriteStream(partial, { flags: 'wx' }),
          onProgress,
        );
        // On disk before the record that names its SHA-256.
        const written = await open(partial, 'r+');
        try {
          await written.sync();
        } finally {
          await written.close();
        }
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
              dataSubjects: await this.keys.subjectsOf(kids),
            },
            actor,
          ),
        );
        await this.publish(partial, bundleId);
        await this.discardIfErasureDecided(requestId, bundleId, actor);
        Object.assign(job, {
          status: 'done',
          finishedAt: new Date().toISOString(),
          bundleSha256: result.bundleSha256,
          byteSize: result.byteSize,
          eventCount: result.eventCount,
        });
      } catch (err) {
        rmSync(partial, { force: true });
        Object.assign(job, { status: 'failed', finishedAt: new Date().toISOString(), error: (err as Error).message });
        this.logger.error(`Bundle ${bundleId} failed: ${(err as Error).message}`);
      }
      await saving;
      await this.saveJob(job).catch((err: Error) => this.logger.error(`Bundle ${bundleId}: its final state was not saved: ${err.message}`));
      return job;
    })();
    return { job, done };
  }

  /**
   * An erasure decided before this bundle was recorded did not see it (its check reads the log up
   * to its decision): the bundle must not outlive that subject's text, so it is discarded here. One
   * decided after the record sees the bundle and is restricted by it. Either way no stored bundle
   * holds an erased subject's text.
   */
  private async discardIfErasureDecided(requestId: string, bundleId: string, actor: Actor): Promise<void> {
    const { state } = await this.queries.execute(new GetDisclosureQuery(requestId));
    for (const subject of state.bundles.find((b) => b.bundleId === bundleId)?.dataSubjects ?? []) {
      const { state: erasure } = await loadState(this.store, erasureDecider, dataSubjectStreamId(subject));
      if (erasure.pending || erasure.erased) {
        await this.discard(requestId, bundleId, actor, 'The erasure of a data subject in it was decided while it was exported');
        throw new Error('An erasure of a data subject in this bundle was decided while it was exported: the bundle is discarded; export again');
      }
    }
  }

  /**
   * Records that a stored bundle is discarded (who, when, why; its SHA-256 stays in the log), then
   * deletes the file. A retry after a crash in between deletes it (so does the next start).
   */
  async discard(
    requestId: string,
    bundleId: string,
    actor: Actor,
    reason: string,
    options: { idempotencyKey?: string; requestHash?: string } = {},
  ): Promise<DisclosureCommandResult> {
    try {
      return await this.commands.execute(new ExecuteDisclosureCommand({ type: 'DiscardBundle', requestId, bundleId, reason }, actor, options));
    } finally {
      const { state } = await this.queries.execute(new GetDisclosureQuery(requestId));
      if (state.bundles.find((b) => b.bundleId === bundleId)?.discardedAt) await this.remove(bundleId);
    }
  }

  private async remove(bundleId: string): Promise<void> {
    await rm(this.fileOf(bundleId), { force: true });
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /** Who read these patients' data, page by page (who, role, when, what, from where), up to entry `throughSeq`. */
  private async *accessEntries(pseudonyms: string[], throughSeq = Number.MAX_SAFE_INTEGER): AsyncGenerator<{ seq: number }> {
    for (const subject of new Set(pseudonyms)) {
      let afterSeq = 0;
      for (;;) {
        const page = await this.accessLog.find({ subject, afterSeq, limit: 1000 });
        const covered = page.filter((e) => e.seq <= throughSeq);
        yield* covered;
        if (covered.length < page.length) break;
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

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
