import type { Worker } from 'node:worker_threads';
import { type EventStore, type SqlDatabase, SqlEventStore } from '@app/event-store';
import { CompactRange } from './compact-range';
import type { LeafReply, LeafRequest } from './leaf-worker.thread';
import type { LeafRow } from './log-check';
import { spawnThread } from '../threads';

/** Leaf rows for a batch of events, and the tree with them appended. */
export interface LeafBatch {
  rows: LeafRow[];
  range: CompactRange;
}

/** Failed batches in a row after which sealing stays in-process (a worker that keeps failing helps no one). */
const MAX_FAILURES = 3;
const HASH_BYTES = 32;

/**
 * The main thread's side of the leaf worker (docs/adr/0026). On embedded SQLite the ledger's
 * sealer hands reading and hashing to a worker thread and keeps only the coordination: the
 * durable bound, the leaf rows' insert and the compact range. PostgreSQL and KurrentDB keep
 * sealing in-process (`LeafWorker.for` gives no worker).
 */
export class LeafWorker {
  /** The running thread, if any (tests). */
  worker?: Worker;
  /** False once the worker could not start, failed MAX_FAILURES batches in a row, or was stopped. */
  usable = true;
  private starting?: Promise<Worker>;
  private readonly pending = new Map<number, { resolve: (reply: LeafReply) => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private failures = 0;

  constructor(
    private readonly store: SqlEventStore,
    /** The SQLite database file the worker opens read-only. */
    private readonly file: string,
  ) {}

  /** Requests the worker is answering now (tests). */
  get inFlight(): number {
    return this.pending.size;
  }

  /** A worker where the log is an SQLite file in WAL mode; `LEDGER_WORKER=false` turns it off. */
  static for(db: SqlDatabase, store: EventStore, env: NodeJS.ProcessEnv = process.env): LeafWorker | undefined {
    if (env.LEDGER_WORKER === 'false' || !(store instanceof SqlEventStore) || !db.walSync) return undefined;
    return new LeafWorker(store, db.walSync.databaseFile);
  }

  /**
   * How far the worker may read: the last committed position, once on disk. The worker's own
   * connection bypasses the store's onDisk (ADR 0024), so it is handed this bound.
   */
  durableHead(): Promise<number> {
    return this.store.durableHead();
  }

  /** Leaves for up to `limit` events after `after` and at most `upTo`, appended to a copy of `range`. */
  async leaves(range: CompactRange, after: number, upTo: number, limit: number): Promise<LeafBatch> {
    if (upTo <= after) return { rows: [], range };
    const reply = await this.request({ after, upTo, limit, edge: range.edge });
    if ('error' in reply) {
      // The thread lives on (e.g. a read that failed); repeated failures still end the worker's use.
      this.countFailure();
      throw new Error(reply.error);
    }
    if (!('positions' in reply)) throw new Error('leaf worker answered out of turn');
    this.failures = 0;
    const hashes = Buffer.from(reply.hashes.buffer, reply.hashes.byteOffset, reply.hashes.byteLength);
    const rows = Array.from(reply.positions, (position, i) => ({
      leafIndex: range.size + i,
      position,
      leafHash: hashes.toString('hex', i * HASH_BYTES, (i + 1) * HASH_BYTES),
    }));
    return { rows, range: CompactRange.from(reply.edge) };
  }

  /** Ends the thread (application shutdown); later sealing runs in-process. */
  async stop(): Promise<void> {
    this.usable = false;
    const worker = this.worker ?? (await this.starting?.catch(() => undefined));
    this.worker = undefined;
    await worker?.terminate();
  }

  private async request(body: Omit<LeafRequest, 'id'>): Promise<LeafReply> {
    const worker = await this.started();
    const id = this.nextId++;
    // Referenced only while it works: an idle worker never keeps a CLI command or a test alive.
    worker.ref();
    try {
      return await new Promise<LeafReply>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        worker.postMessage({ id, ...body } satisfies LeafRequest);
      });
    } finally {
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
    }
  }

  private started(): Promise<Worker> {
    if (!this.usable) return Promise.reject(new Error('leaf worker stopped'));
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private start(): Promise<Worker> {
    return new Promise<Worker>((resolve, reject) => {
      const worker = spawn(this.file);
      let ready = false;
      let dead = false;
      // 'error' (an uncaught exception) is followed by 'exit': count the death once.
      const died = (err: Error) => {
        if (dead) return;
        dead = true;
        this.died(worker, err, ready);
        reject(err);
      };
      worker.on('message', (reply: LeafReply) => {
        if ('ready' in reply) {
          ready = true;
          this.worker = worker;
          worker.unref();
          resolve(worker);
        } else this.pending.get(reply.id)?.resolve(reply);
      });
      // An error from the thread may arrive as a plain object (its class does not cross over).
      worker.on('error', (err: unknown) => died(new Error(`leaf worker ${ready ? 'crashed' : 'could not start'}: ${(err as Error)?.message ?? String(err)}`)));
      worker.on('exit', (code) => died(new Error(`leaf worker exited with code ${code}`)));
    });
  }

  private countFailure(): void {
    if (++this.failures >= MAX_FAILURES) this.usable = false;
  }

  /** A crash fails the request in flight; the next one starts a new worker, unless this one never started. */
  private died(worker: Worker, err: Error, ready: boolean): void {
    if (this.worker === worker) this.worker = undefined;
    if (ready) this.countFailure();
    else this.usable = false;
    for (const { reject } of this.pending.values()) reject(err);
    this.pending.clear();
  }
}

/** The thread entry next to this file (spawnThread: dist/ or the TypeScript sources). */
function spawn(file: string): Worker {
  const workerData = { file };
  return spawnThread(__dirname, 'leaf-worker', { workerData });
}
