import { sign } from 'node:crypto';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit, Optional } from '@nestjs/common';
import { EVENT_STORE, type EventStore, LEASES, type Leases, LocalLeases, SqlDatabase, Workers } from '@app/event-store';
import { KEY_MATERIAL, type KeyMaterial } from '@app/identity';
import { ProblemException } from '@app/platform';
import { CompactRange } from './compact-range';
import { eventLeafHash } from './leaf';
import { type LeafBatch, LeafWorker } from './leaf-worker';
import { checkSealedLeaf, leafRows, missingPosition } from './log-check';
import { MerkleTree } from './merkle';
import { nextTurn } from '../next-turn';
import { LOG_ID, type SignedTreeHead, signTreeHead, verifyTreeHead } from './tree-head';
import { Idler } from '../idler';

export interface LedgerKey {
  keyId: string;
  publicKeyPem: string;
  activatedAt: string;
  retiredAt: string | null;
}

export interface VerificationProblem {
  position?: number;
  treeSize?: number;
  problem: string;
}

export interface VerificationReport {
  ok: boolean;
  events: number;
  sealed: number;
  checkpoints: number;
  /**
   * Events in the log not yet sealed into the tree (at most the first 100 positions are listed):
   * a change to them is not detectable until they are. Not a failure, but a finding.
   */
  unsealed: { count: number; positions: number[] };
  /** The first position whose stored event no longer matches what was sealed, if any. */
  firstBadPosition: number | null;
  problems: VerificationProblem[];
}

const LEAF_BATCH = 2000;

/**
 * Seals the log into an RFC 9162 Merkle tree after the fact: leaves are hashed from committed
 * events in global order by a follower, so appends pay nothing for the ledger. Tree heads are
 * signed every N leaves or T seconds, and on demand.
 */
@Injectable()
export class LedgerService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Ledger');
  private range: CompactRange | null = null;
  private lastPosition = 0;
  private running = false;
  private loop?: Promise<void>;
  private readonly idler = new Idler();
  private sealing: Promise<number> | null = null;
  /** Reads and hashes leaves off the event loop on embedded SQLite (docs/adr/0026); none: in-process. */
  readonly leafWorker?: LeafWorker;
  private keyActivated?: Promise<void>;
  private stopped?: Promise<void>;

  readonly everyLeaves = Number(process.env.LEDGER_CHECKPOINT_EVERY ?? 1000);
  readonly everyMs = Number(process.env.LEDGER_CHECKPOINT_SECONDS ?? 10) * 1000;
  readonly sealIntervalMs = Number(process.env.LEDGER_SEAL_INTERVAL_MS ?? 500);
  /** How long a checkpoint on an instance without the sealing lease waits for the holder to seal. */
  readonly handoffTimeoutMs = Number(process.env.LEDGER_HANDOFF_TIMEOUT_MS ?? 10_000);
  /** Several processes on one database (PostgreSQL leases): the tree in memory may be behind the stored one. */
  private readonly shared: boolean;

  constructor(
    private readonly db: SqlDatabase,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
    @Inject(LEASES) private readonly leases: Leases = new LocalLeases(),
    @Optional() private readonly workers?: Workers,
  ) {
    this.leafWorker = LeafWorker.for(db, store);
    this.shared = !(leases instanceof LocalLeases);
  }

  get keyId(): string {
    return this.keys.ledgerSigning.kid;
  }

  onModuleInit(): void {
    this.workers?.register({
      name: 'ledger-sealer',
      summary: 'hashes new events into the ledger and signs tree heads every N events or T seconds (lease ledger-sealer)',
      start: () => this.start(),
      stop: () => this.stopSealing(),
    });
  }

  /** Instances starting together with one key record its activation once; once per process. */
  private activation(): Promise<void> {
    return (this.keyActivated ??= this.leases.exclusive('ledger-key', () => this.activateKey()));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.activation();
  }

  private async start(): Promise<void> {
    await this.activation();
    this.running = true;
    // No wake-up per append: sealing in batches every LEDGER_SEAL_INTERVAL_MS keeps the ledger's
    // commits (and fsyncs) from doubling the appends' own; the ledger lags by at most that much.
    this.loop = this.follow();
  }

  /** Stops the loop and seals what is committed; once, whichever shutdown hook comes first. */
  private stopSealing(): Promise<void> {
    return (this.stopped ??= (async () => {
      this.running = false;
      this.idler.wake();
      await this.loop;
      if (this.loop) await this.sealOnStop();
    })());
  }

  /** Before the data source closes: the sealer first (if it ran), then the leaf worker thread (a checkpoint may have started it). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stopSealing();
    await this.leafWorker?.stop();
  }

  /**
   * A clean stop (SIGTERM) seals what is committed before it completes, so a write acknowledged
   * before the stop does not wait, unprotected, for the next start (issue 22, item 8). Only the
   * lease holder seals (a stopping instance does not take the lease); a failure is logged and
   * the next start seals as usual.
   */
  private async sealOnStop(): Promise<void> {
    try {
      if (!this.leases.held().includes('ledger-sealer')) return;
      const sealed = await this.seal();
      if (sealed) this.logger.log(`Sealed ${sealed} events at stop`);
    } catch (err) {
      this.logger.error(`Sealing at stop failed: ${(err as Error).message}`);
    }
  }

  private async follow(): Promise<void> {
    let lastCheckpointAt = Date.now();
    while (this.running) {
      try {
        // Several instances: the lease holder seals; the others stand by.
        if (!(await this.leases.hold('ledger-sealer'))) {
          await this.idler.idle(1000);
          continue;
        }
        const sealed = await this.seal();
        const head = await this.latestCheckpoint();
        const pending = (this.range?.size ?? 0) - (head?.treeSize ?? 0);
        if (pending >= this.everyLeaves || (pending > 0 && Date.now() - lastCheckpointAt >= this.everyMs)) {
          await this.checkpoint();
          lastCheckpointAt = Date.now();
        }
        await this.idler.idle(sealed === 0 ? Math.min(this.everyMs, 1000) : this.sealIntervalMs);
      } catch (err) {
        this.logger.error(`Sealing failed: ${(err as Error).message}`);
        await this.idler.idle(2000);
      }
    }
  }

  /** Records the configured signing key (and retires the previous one) as rows and as an event. */
  async activateKey(): Promise<void> {
    const { kid, publicKey } = this.keys.ledgerSigning;
    const known = await this.db.query<{ key_id: string }>('SELECT key_id FROM ledger_keys WHERE key_id = ? AND retired_at IS NULL', [kid]);
    if (known.length) return;
    const now = new Date().toISOString();
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const previous = await this.db.query<{ key_id: string }>('SELECT key_id FROM ledger_keys WHERE retired_at IS NULL');
    await this.db.transaction(async (tx) => {
      await tx.query('UPDATE ledger_keys SET retired_at = ? WHERE retired_at IS NULL', [now]);
      await tx.query(
        `INSERT INTO ledger_keys (key_id, public_key_pem, activated_at, retired_at) VALUES (?, ?, ?, NULL)
         ON CONFLICT (key_id) DO UPDATE SET retired_at = NULL, activated_at = excluded.activated_at`,
        [kid, pem, now],
      );
    });
    await this.store.append('ledger-keys', [
      {
        type: 'evidence.LedgerSigningKeyActivated',
        data: { keyId: kid, publicKeyPem: pem, algorithm: 'Ed25519', activatedAt: now, retiredKeyIds: previous.map((p) => p.key_id) },
      },
    ]);
  }

  async keysList(): Promise<LedgerKey[]> {
    const rows = await this.db.query<{ key_id: string; public_key_pem: string; activated_at: string; retired_at: string | null }>(
      'SELECT key_id, public_key_pem, activated_at, retired_at FROM ledger_keys ORDER BY activated_at',
    );
    return rows.map((r) => ({ keyId: r.key_id, publicKeyPem: r.public_key_pem, activatedAt: r.activated_at, retiredAt: r.retired_at }));
  }

  private async loadRange(): Promise<CompactRange> {
    if (this.range) return this.range;
    const range = new CompactRange();
    let after = -1;
    for (;;) {
      const rows = await this.db.query<{ leaf_index: number | string; position: number | string; leaf_hash: string }>(
        'SELECT leaf_index, position, leaf_hash FROM ledger_leaves WHERE leaf_index > ? ORDER BY leaf_index LIMIT 10000',
        [after],
      );
      for (const r of rows) {
        range.append(Buffer.from(r.leaf_hash, 'hex'));
        this.lastPosition = Number(r.position);
      }
      if (rows.length < 10000) break;
      after = Number(rows[rows.length - 1].leaf_index);
      await nextTurn();
    }
    this.range = range;
    return range;
  }

  /**
   * Brings the tree in memory up to the stored leaves: another instance (an earlier lease holder)
   * may have sealed since. One indexed query when nothing changed; only with several instances.
   */
  private async refreshRange(): Promise<CompactRange> {
    if (!this.range) return this.loadRange();
    const range = this.range;
    for (;;) {
      const rows = await this.db.query<{ leaf_index: number | string; position: number | string; leaf_hash: string }>(
        'SELECT leaf_index, position, leaf_hash FROM ledger_leaves WHERE leaf_index >= ? ORDER BY leaf_index LIMIT 10000',
        [range.size],
      );
      for (const r of rows) {
        // A gap would mean rows removed under us: start again from what is stored.
        if (Number(r.leaf_index) !== range.size) {
          this.range = null;
          return this.loadRange();
        }
        range.append(Buffer.from(r.leaf_hash, 'hex'));
        this.lastPosition = Number(r.position);
      }
      if (rows.length < 10000) return range;
      await nextTurn();
    }
  }

  /** Hashes every committed event not yet in the tree; returns how many were added. */
  seal(): Promise<number> {
    // One sealing at a time per process; a second process is fenced by the primary keys.
    this.sealing ??= this.sealOnce().finally(() => (this.sealing = null));
    return this.sealing;
  }

  private async sealOnce(): Promise<number> {
    try {
      return await this.sealPending();
    } catch (err) {
      // Another process may have sealed the same leaves: start again from what is stored.
      this.range = null;
      throw err;
    }
  }

  private async sealPending(): Promise<number> {
    // Once per seal, not per batch: the hot path (one process, SQLite) is as it was.
    let range = this.shared ? await this.refreshRange() : await this.loadRange();
    // With a worker, one round seals up to the head as it is now: chasing appends that keep
    // coming would cost a round trip and a transaction per handful of events.
    const upTo = this.leafWorker?.usable ? await this.leafWorker.durableHead() : Number.MAX_SAFE_INTEGER;
    let added = 0;
    for (;;) {
      const batch = await this.nextLeaves(range, upTo);
      const rows = batch.rows;
      if (rows.length === 0) return added;
      await this.db.transaction(
        async (tx) => {
          for (let i = 0; i < rows.length; i += 500) {
            const part = rows.slice(i, i + 500);
            await tx.query(
              `INSERT INTO ledger_leaves (leaf_index, position, leaf_hash) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}`,
              part.flatMap((r) => [r.leafIndex, r.position, r.leafHash]),
            );
          }
          // Not durable: leaves are recomputed from the log if a crash loses them, and the durable
          // commit of a signed checkpoint over them flushes them first (docs/adr/0018).
        },
        { durable: false },
      );
      range = this.range = batch.range;
      this.lastPosition = rows[rows.length - 1].position;
      added += rows.length;
    }
  }

  /** The next batch of leaves: from the worker where there is one, else read and hashed here. */
  private async nextLeaves(range: CompactRange, upTo: number): Promise<LeafBatch> {
    const worker = this.leafWorker;
    if (worker?.usable) {
      try {
        return await worker.leaves(range, this.lastPosition, upTo, LEAF_BATCH);
      } catch (err) {
        // Sealing goes on either way; only where the hashing runs changes.
        const next = worker.usable ? 'the next batch goes to the worker again (a new one if it died)' : 'sealing in-process from now on';
        this.logger.warn(`Leaf worker failed (${(err as Error).message}): this batch is sealed in-process, ${next}`);
      }
    }
    const rows = leafRows(range.size, await this.store.readAll(this.lastPosition, LEAF_BATCH, { raw: true }));
    const extended = CompactRange.from(range.edge);
    rows.forEach((r) => extended.append(Buffer.from(r.leafHash, 'hex')));
    return { rows, range: extended };
  }

  /** Signs a bundle statement (VERIFY.md B.14) with the ledger key: the same key as the tree heads, named by its id. */
  signStatement(bytes: Buffer): { keyId: string; signature: Buffer } {
    return { keyId: this.keyId, signature: sign(null, bytes, this.keys.ledgerSigning.privateKey) };
  }

  /** Seals everything committed before the call and signs a tree head over it (if it grew). */
  async checkpoint(): Promise<SignedTreeHead> {
    // A sealing round already running may have started before the last appends (with the leaf
    // worker it seals up to the head it saw then): wait for it, then seal once more.
    await this.sealing?.catch(() => undefined);
    let range: CompactRange;
    if (!this.shared || (await this.leases.hold('ledger-sealer'))) {
      await this.seal();
      range = await this.loadRange();
    } else {
      // Only the lease holder writes leaves: wait for it to seal what is committed now, then
      // read the tree it stored.
      range = await this.sealedByHolder(await this.store.headPosition());
    }
    const latest = await this.latestCheckpoint();
    if (latest && latest.treeSize === range.size) return latest;
    const head = signTreeHead(
      { log: LOG_ID, treeSize: range.size, rootHash: range.root().toString('hex'), issuedAt: new Date().toISOString(), keyId: this.keyId },
      this.keys.ledgerSigning.privateKey,
    );
    await this.db.query(
      `INSERT INTO ledger_checkpoints (tree_size, root_hash, issued_at, key_id, body, signature) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tree_size) DO NOTHING`,
      [head.treeSize, head.rootHash, head.issuedAt, head.keyId, JSON.stringify(head), head.signature],
    );
    return (await this.checkpointAt(head.treeSize))!;
  }

  /** The stored tree once the holder has sealed up to `head`; fails after handoffTimeoutMs. */
  private async sealedByHolder(head: number): Promise<CompactRange> {
    const deadline = Date.now() + this.handoffTimeoutMs;
    for (;;) {
      const range = await this.refreshRange();
      if (this.lastPosition >= head) return range;
      if (Date.now() >= deadline) {
        throw new ProblemException(
          503,
          'ledger-not-sealed',
          'Service unavailable',
          `The instance holding the ledger-sealer lease has not sealed up to position ${head} within ${this.handoffTimeoutMs} ms (sealed up to ${this.lastPosition}); nothing was signed. Retry shortly`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async checkpoints(limit = 100, before?: number): Promise<SignedTreeHead[]> {
    const rows = await this.db.query<{ body: string }>('SELECT body FROM ledger_checkpoints WHERE tree_size < ? ORDER BY tree_size DESC LIMIT ?', [
      before ?? Number.MAX_SAFE_INTEGER,
      limit,
    ]);
    return rows.map((r) => JSON.parse(r.body) as SignedTreeHead);
  }

  async latestCheckpoint(): Promise<SignedTreeHead | undefined> {
    return (await this.checkpoints(1))[0];
  }

  async checkpointAt(treeSize: number): Promise<SignedTreeHead | undefined> {
    const [row] = await this.db.query<{ body: string }>('SELECT body FROM ledger_checkpoints WHERE tree_size = ?', [treeSize]);
    return row ? (JSON.parse(row.body) as SignedTreeHead) : undefined;
  }

  /** Leaf hashes of the first `size` leaves (fewer when the ledger holds fewer), with the positions they seal. */
  /** The stored leaves below `size` in leaf order, a page of at most 10,000 rows at a time. */
  private async *leafPages(size: number): AsyncGenerator<Array<{ leaf_index: number | string; position: number | string; leaf_hash: string }>> {
    let after = -1;
    for (;;) {
      const rows = await this.db.query<{ leaf_index: number | string; position: number | string; leaf_hash: string }>(
        'SELECT leaf_index, position, leaf_hash FROM ledger_leaves WHERE leaf_index > ? AND leaf_index < ? ORDER BY leaf_index LIMIT 10000',
        [after, size],
      );
      if (rows.length === 0) return;
      yield rows;
      if (rows.length < 10000) return; // the last page: no query for an empty one
      after = Number(rows[rows.length - 1].leaf_index);
      await nextTurn();
    }
  }

  /** The leaves the ledger holds below `size`: fewer when it holds fewer (a proof past the head is a 422). */
  async leaves(size: number): Promise<{ hashes: Buffer[]; positions: number[] }> {
    const hashes: Buffer[] = [];
    const positions: number[] = [];
    for await (const rows of this.leafPages(size)) {
      for (const r of rows) {
        hashes.push(Buffer.from(r.leaf_hash, 'hex'));
        positions.push(Number(r.position));
      }
    }
    return { hashes, positions };
  }

  /**
   * The leaf hashes of a tree of `size`, packed (32 B each, in leaf order) with each leaf's log
   * position: one buffer instead of a Buffer per leaf (a bundle loads every leaf). Every leaf or
   * an error: a bundle is never built on a partial tree.
   */
  async packedLeaves(size: number): Promise<{ hashes: Buffer; positions: Float64Array }> {
    const hashes = Buffer.allocUnsafe(size * 32);
    const positions = new Float64Array(size);
    let n = 0;
    for await (const rows of this.leafPages(size)) {
      for (const r of rows) {
        if (Number(r.leaf_index) !== n) throw new Error(`leaf ${n} is missing from the ledger`);
        hashes.write(r.leaf_hash, n * 32, 32, 'hex');
        positions[n++] = Number(r.position);
      }
    }
    if (n !== size) throw new Error(`expected ${size} leaves, the ledger holds ${n}`);
    return { hashes, positions };
  }

  async leafIndexOf(position: number): Promise<number | undefined> {
    const [row] = await this.db.query<{ leaf_index: number | string }>('SELECT leaf_index FROM ledger_leaves WHERE position = ?', [position]);
    return row ? Number(row.leaf_index) : undefined;
  }

  async tree(size: number): Promise<MerkleTree> {
    const { hashes } = await this.leaves(size);
    return new MerkleTree(hashes);
  }

  /**
   * Recomputes every leaf from the stored events and every signed root from those leaves:
   * an edited, removed, inserted or reordered event shows up with its position.
   */
  async verify(onProgress?: (done: number) => void): Promise<VerificationReport> {
    const problems: VerificationProblem[] = [];
    let firstBad: number | null = null;
    const bad = (p: VerificationProblem) => {
      problems.push(p);
      if (p.position !== undefined && firstBad === null) firstBad = p.position;
    };
    const recomputed: Buffer[] = [];
    let events = 0;
    let previous = 0;
    // Only a gap-free log (SQL) shows a removed, not yet sealed event by its missing number.
    const gapFree = this.store.gapFreePositions !== false;
    let after = 0;
    let leafAfter = -1;
    const positions: number[] = [];
    for (;;) {
      const batch = await this.store.readAll(after, LEAF_BATCH, { raw: true });
      if (batch.length === 0) break;
      for (const e of batch) {
        const missing = missingPosition(previous, e.globalPosition, gapFree);
        if (missing) bad(missing);
        previous = e.globalPosition;
        recomputed.push(eventLeafHash(e));
        positions.push(e.globalPosition);
        events++;
      }
      after = batch[batch.length - 1].globalPosition;
      onProgress?.(events);
    }
    // Compare with the sealed leaves, index by index.
    let sealed = 0;
    for (;;) {
      const rows = await this.db.query<{ leaf_index: number | string; position: number | string; leaf_hash: string }>(
        'SELECT leaf_index, position, leaf_hash FROM ledger_leaves WHERE leaf_index > ? ORDER BY leaf_index LIMIT 10000',
        [leafAfter],
      );
      if (rows.length === 0) break;
      for (const r of rows) {
        sealed++;
        const problem = checkSealedLeaf({ leafIndex: Number(r.leaf_index), position: Number(r.position), leafHash: r.leaf_hash }, positions, recomputed);
        if (problem) bad(problem);
      }
      leafAfter = Number(rows[rows.length - 1].leaf_index);
    }
    const tree = new MerkleTree(recomputed);
    const keys = new Map((await this.keysList()).map((k) => [k.keyId, k.publicKeyPem]));
    const heads = await this.db.query<{ body: string }>('SELECT body FROM ledger_checkpoints ORDER BY tree_size');
    for (const { body } of heads) {
      const head = JSON.parse(body) as SignedTreeHead;
      const pem = keys.get(head.keyId);
      if (!pem || !verifyTreeHead(head, pem)) {
        bad({ treeSize: head.treeSize, problem: `tree head of size ${head.treeSize} has no valid signature` });
        continue;
      }
      if (head.treeSize > tree.size) {
        bad({ treeSize: head.treeSize, problem: `tree head of size ${head.treeSize} covers events no longer in the log` });
      } else if (tree.root(head.treeSize).toString('hex') !== head.rootHash) {
        bad({ treeSize: head.treeSize, problem: `events in the first ${head.treeSize} positions do not hash to the signed root` });
      }
    }
    // External anchors (ADR 0037): a rewrite that also rewrote the leaves and re-signed the heads
    // with the hospital's key still differs from a root a TSA time-stamped. (Their tokens are
    // checked where they are relied on: in a bundle, or by hand with openssl.)
    const anchors = await this.db.query<{ tree_size: number | string; root_hash: string; authority: string; gen_time: string }>(
      'SELECT tree_size, root_hash, authority, gen_time FROM ledger_anchors ORDER BY tree_size, gen_time',
    );
    for (const a of anchors) {
      const size = Number(a.tree_size);
      const anchored = `the tree head of size ${size} time-stamped by ${a.authority} at ${a.gen_time}`;
      if (size > tree.size) bad({ treeSize: size, problem: `${anchored} covers events no longer in the log` });
      else if (tree.root(size).toString('hex') !== a.root_hash) {
        bad({
          treeSize: size,
          problem: `events in the first ${size} positions do not hash to the root of ${anchored}: the history was changed after it was anchored`,
        });
      }
    }
    // Leaves are a prefix of the log in read order: what follows the last one is unsealed.
    const unsealed = { count: Math.max(0, positions.length - sealed), positions: positions.slice(sealed, sealed + 100) };
    return { ok: problems.length === 0, events, sealed, checkpoints: heads.length, unsealed, firstBadPosition: firstBad, problems };
  }
}
