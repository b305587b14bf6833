import type { Worker } from 'node:worker_threads';
import { type EventLeaf, FLAG_CANONICAL, FLAG_COMPUTED, FLAG_FORMAT_TWO } from './event-leaf';
import type { EventLeavesReply } from './event-leaves.thread';
import { spawnThread } from '../threads';

/** When the verifier hands the event lines' leaves to a thread of their own (ADR 0055). */
export type EventLeafThread = 'auto' | 'always' | 'never';

/**
 * From this size of data/events.jsonl (about 4,000 events) the thread is worth its start (tens of
 * milliseconds, more from the TypeScript sources); below it, the lines are hashed in-process.
 */
export const EVENT_LEAF_THREAD_FROM_BYTES = 8 * 1024 * 1024;

const HASH_BYTES = 32;
/** The thread's young generation (V8's default for a heap of this machine's size is 48 MB or more). */
const YOUNG_GENERATION_MB = 16;

type Batch = Extract<EventLeavesReply, { flags: Uint8Array }>;

/**
 * The main thread's side of the event-leaf thread (ADR 0055): the canonical-form test and the
 * recomputed leaf of each event line, computed ahead by the thread from its own read of the
 * bundle. `take(n)` gives line n's result, `null` when the main thread must compute it itself
 * (the thread did not: no thread, it failed, or the line throws). The results count only with
 * `check`: the thread's read of data/events.jsonl must have the SHA-256 of the main thread's.
 */
export class EventLeaves {
  private worker?: Worker;
  private readonly batches: Batch[] = [];
  private twos = new Map<number, [string[], Array<{ pointer: string; ground: string }>]>();
  private arrived = 0;
  private end?: { lines: number; sha256: string };
  /** Why the thread stopped before the end (it then gives nothing more). */
  private failure?: string;
  private waiting?: () => void;
  /** Whether any line's result came from the thread (then `check` must bind them). */
  private used = false;

  private constructor(file: string | null) {
    if (file === null) return;
    try {
      this.worker = spawn(file);
    } catch (err) {
      this.failure = `could not start: ${(err as Error).message}`;
      return;
    }
    this.worker.on('message', (reply: EventLeavesReply) => {
      if ('flags' in reply) {
        this.batches.push(reply);
        for (const [line, problems, redacted] of reply.twos) this.twos.set(line, [problems, redacted]);
        this.arrived = reply.first + reply.flags.length - 1;
      } else if ('done' in reply) this.end = { lines: reply.lines, sha256: reply.sha256 };
      else if ('error' in reply) this.stop(reply.error);
      else return;
      this.wake();
    });
    // An error from the thread may arrive as a plain object (its class does not cross over).
    this.worker.on('error', (err: unknown) => this.stop((err as Error)?.message ?? String(err)));
    this.worker.on('exit', (code) => {
      if (!this.end) this.stop(`exited with code ${code}`);
    });
  }

  /** A thread for the bundle at `file` when `mode` and the size of its events file say so; else none. */
  static for(file: string, eventsBytes: number, mode: EventLeafThread = 'auto'): EventLeaves {
    const threaded = mode === 'always' || (mode === 'auto' && eventsBytes >= EVENT_LEAF_THREAD_FROM_BYTES);
    return new EventLeaves(threaded ? file : null);
  }

  /** Whether a thread was started (tests). */
  get threaded(): boolean {
    return this.worker !== undefined;
  }

  /** Line n's result, if the thread gave it; `undefined` while it may still come (then `wait(n)`). */
  take(n: number): EventLeaf | null | undefined {
    if (n > this.arrived) return this.worker && !this.failure && !this.end ? undefined : null;
    // Batches arrive in order and lines are taken in order: the ones before line n are done with.
    while (this.batches.length && this.batches[0].first + this.batches[0].flags.length <= n) this.batches.shift();
    const batch = this.batches[0];
    if (!batch || n < batch.first) return null;
    const i = n - batch.first;
    const flags = batch.flags[i];
    if ((flags & FLAG_COMPUTED) === 0) return null;
    this.used = true;
    const leaf = Buffer.from(batch.leaves.buffer, batch.leaves.byteOffset + i * HASH_BYTES, HASH_BYTES);
    let two: EventLeaf['two'] = null;
    if (flags & FLAG_FORMAT_TWO) {
      const found = this.twos.get(n);
      this.twos.delete(n);
      two = found ? { problems: found[0], redacted: found[1] } : { problems: [], redacted: [] };
    }
    return { canonical: (flags & FLAG_CANONICAL) !== 0, leaf, two };
  }

  /** Waits for line n's result or the thread's end; then `take(n)` is not `undefined`. */
  async wait(n: number): Promise<EventLeaf | null> {
    for (;;) {
      const r = this.take(n);
      if (r !== undefined) return r;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  /**
   * After the main thread read data/events.jsonl to its end (`sha256`, `lines`): a problem when
   * results of the thread were used but its read was not the same file, or it stopped before the end.
   */
  async check(sha256: string, lines: number): Promise<string | null> {
    if (!this.used) return null;
    while (!this.end && !this.failure) await new Promise<void>((resolve) => (this.waiting = resolve));
    if (!this.end) return `its lines' leaves were computed by a thread that stopped before the end (${this.failure}): verify again`;
    if (this.end.sha256 !== sha256 || this.end.lines !== lines)
      return 'was read twice while it was verified (by the main thread and the event-leaf thread) and the two reads differ: the file changed';
    return null;
  }

  /** Ends the thread (the verify is over, or failed). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failure ??= 'closed';
    this.wake();
    await worker?.terminate();
  }

  private stop(why: string): void {
    this.failure ??= why;
    this.wake();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }
}

/** The thread entry next to this file (spawnThread: dist/ or the TypeScript sources). */
function spawn(file: string): Worker {
  const workerData = { file };
  // A small young generation: the thread's garbage is collected sooner, and the process's peak
  // memory (one heap more than before) stays under the 300 MB of issue 22 (ADR 0055, measured).
  const resourceLimits = { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB };
  return spawnThread(__dirname, 'event-leaves', { workerData, resourceLimits });
}
