import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThanOrEqual, Not, type Repository } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type Actor, CLOCK, type Clock, DomainError, EVENT_STORE, type EventStore, loadState, ProjectionRegistry, runDecider } from '@app/event-store';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { holdCovers, logArtefactDecider, logArtefactStreamId } from '../domain';
import { LegalHoldRow, LogArtefactRow } from '../projections/retention.entities';
import { RETENTION_PROJECTION } from '../projections/retention.projection';
import { BlobKeepers } from './blob-keepers';

export interface PurgeRunOptions {
  dryRun: boolean;
  actor: Actor;
  /** Artefacts requested per hold check; smaller means a hold placed mid-run stops more of it. */
  chunkSize?: number;
  /** Pause between chunks, to spare the disk on a large purge. */
  pauseMs?: number;
  /** Test seam: runs after a chunk's purge requests are committed and before holds are checked. */
  afterRequested?: (artefactIds: string[]) => Promise<void>;
  /** Test seam: runs after a chunk's holds are read and before its tombstones are appended. */
  afterHoldsChecked?: (artefactIds: string[]) => Promise<void>;
  /** Test seam: runs after a chunk's tombstones are committed and before any blob is deleted. */
  afterTombstones?: (artefactIds: string[]) => Promise<void>;
  onProgress?: (done: number, total: number) => void;
}

export interface PurgeRunReport {
  runId: string;
  dryRun: boolean;
  at: string;
  due: number;
  /** `contentKeptBy`: the bytes stay because another context records the same content (ADR 0046). */
  purged: Array<{ artefactId: string; sha256: string; sizeBytes: number; contentKeptBy?: string[] }>;
  held: Array<{ artefactId: string; holdIds: string[] }>;
  /** Changed under the run (e.g. its retention was extended): left for the next run. */
  skipped: Array<{ artefactId: string; reason: string }>;
  /** Blobs of earlier tombstones that a crash left on disk, deleted now. */
  reconciled: number;
}

/**
 * Finds artefacts past their maximum period and not held, and purges them crash-safely:
 * PurgeRequested → holds checked (read model caught up past the request) → tombstone → holds
 * checked again through the tombstone (a late hold takes it back) → blob deleted. The tombstone
 * always commits before the blob goes (docs/adr/0007, 0020).
 */
@Injectable()
export class RetentionPurger {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly projections: ProjectionRegistry,
    @InjectRepository(LogArtefactRow) private readonly artefacts: Repository<LogArtefactRow>,
    @InjectRepository(LegalHoldRow) private readonly holds: Repository<LegalHoldRow>,
    private readonly keepers: BlobKeepers,
  ) {}

  async run(options: PurgeRunOptions): Promise<PurgeRunReport> {
    const runId = uuidv7();
    const now = this.clock.now().toISOString();
    await this.readModelsThrough(await this.store.headPosition());
    const report: PurgeRunReport = { runId, dryRun: options.dryRun, at: now, due: 0, purged: [], held: [], skipped: [], reconciled: 0 };
    if (!options.dryRun) report.reconciled = await this.reconcile(options.actor);
    const due = await this.artefacts.find({
      where: { status: Not('purged'), purgeDueAt: LessThanOrEqual(now) },
      order: { purgeDueAt: 'ASC', artefactId: 'ASC' },
    });
    report.due = due.length;
    if (options.dryRun) {
      const holds = await this.activeHolds();
      for (const a of due) {
        const holdIds = holds.filter((h) => holdCovers(h.scope, a)).map((h) => h.holdId);
        if (holdIds.length) report.held.push({ artefactId: a.artefactId, holdIds });
        else report.purged.push({ artefactId: a.artefactId, sha256: a.sha256, sizeBytes: Number(a.sizeBytes) });
      }
      return report;
    }
    // Held now and refused for exactly these holds before: reported, not requested again each run.
    const heldNow = await this.activeHolds();
    const candidates: LogArtefactRow[] = [];
    for (const a of due) {
      const holdIds = heldNow.filter((h) => holdCovers(h.scope, a)).map((h) => h.holdId);
      if (holdIds.length && sameIds(holdIds, a.lastRefusal?.holdIds)) report.held.push({ artefactId: a.artefactId, holdIds });
      else candidates.push(a);
    }
    const size = options.chunkSize ?? 25;
    for (let i = 0; i < candidates.length; i += size) {
      await this.purgeChunk(runId, candidates.slice(i, i + size), options, report);
      options.onProgress?.(Math.min(i + size, candidates.length), candidates.length);
      if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
    }
    return report;
  }

  private async purgeChunk(runId: string, chunk: LogArtefactRow[], options: PurgeRunOptions, report: PurgeRunReport) {
    const { actor } = options;
    // Phase 1: requests; a hold committed before one is seen by the check that follows.
    const requested: Array<{ row: LogArtefactRow; position: number }> = [];
    for (const row of chunk) {
      try {
        const { result } = await runDecider(
          this.store,
          logArtefactDecider,
          logArtefactStreamId(row.artefactId),
          {
            type: 'RequestPurge',
            artefactId: row.artefactId,
            runId,
            requestedBy: actor,
            now: this.clock.now().toISOString(),
          },
          { metadata: { actor } },
        );
        requested.push({ row, position: result.lastPosition });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        report.skipped.push({ artefactId: row.artefactId, reason: err.code });
      }
    }
    if (requested.length === 0) return;
    await options.afterRequested?.(requested.map((r) => r.row.artefactId));
    // Phase 2: holds from the read model, caught up at least past the last request of the chunk.
    const checkedThrough = await this.readModelsThrough(Math.max(...requested.map((r) => r.position)));
    const holds = await this.holdsThrough(checkedThrough);
    await options.afterHoldsChecked?.(requested.map((r) => r.row.artefactId));
    const tombstones: Tombstone[] = [];
    for (const { row, position } of requested) {
      const holdIds = holdsCovering(holds, row, position, checkedThrough);
      try {
        const { state, result } = await runDecider(
          this.store,
          logArtefactDecider,
          logArtefactStreamId(row.artefactId),
          {
            type: 'CompletePurge',
            artefactId: row.artefactId,
            runId,
            holdIds,
            holdsCheckedThrough: checkedThrough,
            by: actor,
            now: this.clock.now().toISOString(),
          },
          { metadata: { actor } },
        );
        if (state.status !== 'purged') {
          report.held.push({ artefactId: row.artefactId, holdIds });
          continue;
        }
        tombstones.push({ row, runId, requestPosition: position, tombstonePosition: result.lastPosition });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        report.skipped.push({ artefactId: row.artefactId, reason: err.code });
      }
    }
    if (tombstones.length === 0) return;
    await options.afterTombstones?.(tombstones.map((x) => x.row.artefactId));
    // Phase 3: the content goes only once every hold below its tombstone is checked.
    for (const outcome of await this.settle(tombstones, actor)) {
      if (outcome.holdIds.length) report.held.push({ artefactId: outcome.row.artefactId, holdIds: outcome.holdIds });
      else
        report.purged.push({
          artefactId: outcome.row.artefactId,
          sha256: outcome.row.sha256,
          sizeBytes: Number(outcome.row.sizeBytes),
          ...(outcome.keptBy.length ? { contentKeptBy: outcome.keptBy } : {}),
        });
    }
  }

  /**
   * A hold committed after the check read the holds but before the tombstone (in the global
   * order) still wins: the holds are read again through the tombstones' positions, and a
   * tombstone such a hold covers is taken back (`PurgeRevoked`) with its content kept. Otherwise
   * the blob is deleted. A crash anywhere here leaves tombstones with their blobs, which
   * `reconcile` settles the same way.
   */
  private async settle(tombstones: Tombstone[], actor: Actor): Promise<Array<{ row: Tombstone['row']; holdIds: string[]; keptBy: string[] }>> {
    const through = await this.readModelsThrough(Math.max(...tombstones.map((x) => x.tombstonePosition)));
    const holds = await this.holdsThrough(through);
    const outcomes: Array<{ row: Tombstone['row']; holdIds: string[]; keptBy: string[] }> = [];
    for (const { row, runId, requestPosition, tombstonePosition } of tombstones) {
      const holdIds = holdsCovering(holds, row, requestPosition, tombstonePosition);
      let keptBy: string[] = [];
      if (holdIds.length) {
        await runDecider(
          this.store,
          logArtefactDecider,
          logArtefactStreamId(row.artefactId),
          {
            type: 'RevokePurge',
            artefactId: row.artefactId,
            runId,
            holdIds,
            tombstonePosition,
            by: actor,
            now: this.clock.now().toISOString(),
          },
          { metadata: { actor } },
        );
      } else {
        // The tombstone stands: only now may the content go (a crash here is reconciled), unless
        // the same bytes are also another context's record (a compliance document): the store is
        // content-addressed, so deleting the log's copy would delete the document's.
        keptBy = await this.keepers.keepersOf(row.sha256);
        if (keptBy.length === 0) await this.blobs.delete(row.sha256);
      }
      outcomes.push({ row, holdIds, keptBy });
    }
    return outcomes;
  }

  /**
   * Settles tombstones whose blob is still there: the second half of a purge a crash interrupted.
   * The artefact's own stream, not the read model, is what allows a deletion, and a late hold is
   * checked exactly as in a run.
   */
  async reconcile(actor: Actor = SYSTEM_ACTOR): Promise<number> {
    const pending: Tombstone[] = [];
    const purged = await this.artefacts.find({ where: { status: 'purged' } });
    const present = await this.stillStored(purged);
    for (const row of purged) {
      if (!present.has(row.sha256)) continue;
      const { state, events } = await loadState(this.store, logArtefactDecider, logArtefactStreamId(row.artefactId));
      if (state.status !== 'purged') continue;
      const last = (type: string, before = Infinity) => [...events].reverse().find((e) => e.type === type && e.globalPosition < before)!;
      const tombstone = last('retention.LogArtefactPurged');
      const request = last('retention.PurgeRequested', tombstone.globalPosition);
      pending.push({ row, runId: state.purgedByRun!, requestPosition: request.globalPosition, tombstonePosition: tombstone.globalPosition });
    }
    if (pending.length === 0) return 0;
    return (await this.settle(pending, actor)).filter((o) => o.holdIds.length === 0 && o.keptBy.length === 0).length;
  }

  /**
   * Which of the purged artefacts' blobs are still there, asked RECONCILE_CONCURRENCY at a time:
   * against an object store each question is a round trip, and every purge ever made is asked.
   */
  private async stillStored(rows: LogArtefactRow[]): Promise<Set<string>> {
    const present = new Set<string>();
    for (let i = 0; i < rows.length; i += RECONCILE_CONCURRENCY) {
      const batch = rows.slice(i, i + RECONCILE_CONCURRENCY);
      const found = await Promise.all(batch.map((r) => this.blobs.exists(r.sha256)));
      batch.forEach((r, j) => found[j] && present.add(r.sha256));
    }
    return present;
  }

  /** Holds placed up to `position`, released or not. */
  private holdsThrough(position: number): Promise<LegalHoldRow[]> {
    return this.holds.find({ where: { placedPosition: LessThanOrEqual(position) } });
  }

  async activeHolds(): Promise<LegalHoldRow[]> {
    return this.holds.find({ where: { status: 'active' }, order: { holdId: 'ASC' } });
  }

  /**
   * Brings the read models up to at least `position` and returns the retention checkpoint. Refuses
   * to go on when the retention read model cannot get there (e.g. it is being rebuilt): deciding
   * on stale holds could purge held content.
   */
  private async readModelsThrough(position: number): Promise<number> {
    // Only the retention read model is read: another projection's stall does not stop a purge.
    return (await this.projections.runner.requireThrough(position, [RETENTION_PROJECTION]))[RETENTION_PROJECTION];
  }
}

interface Tombstone {
  row: LogArtefactRow;
  runId: string;
  requestPosition: number;
  tombstonePosition: number;
}

const SYSTEM_ACTOR: Actor = { subject: 'system:retention-reconciler', role: 'quality-manager' };
const RECONCILE_CONCURRENCY = 16;

/**
 * Holds covering the artefact that were placed below `before` and still in force at the purge
 * request (not released, or released after it).
 */
function holdsCovering(holds: LegalHoldRow[], row: LogArtefactRow, requestPosition: number, before: number): string[] {
  return holds
    .filter((h) => Number(h.placedPosition) <= before && (h.releasedPosition === null || Number(h.releasedPosition) > requestPosition))
    .filter((h) => holdCovers(h.scope, row))
    .map((h) => h.holdId);
}

function sameIds(a: string[], b: string[] | undefined): boolean {
  return b !== undefined && a.length === b.length && [...a].sort().every((id, i) => id === [...b].sort()[i]);
}
