import { open, type FileHandle } from 'node:fs/promises';

/**
 * Durable commits on embedded SQLite without blocking the event loop (docs/adr/0024).
 *
 * With `synchronous=FULL`, SQLite fsyncs the write-ahead log inside COMMIT, and better-sqlite3
 * runs COMMIT on the main thread: every durable write stalled all requests for the length of a
 * disk flush. Durable transactions now commit with `synchronous=NORMAL` (WAL written, not
 * flushed) and their caller waits for `sync()` here: an `fdatasync` of the WAL file on libuv's
 * thread pool. The caller is answered only after the flush, exactly as with FULL, and commits
 * that finish while one flush runs share the next one (group commit).
 *
 * The WAL is a sequential log with cumulative checksums: recovery keeps a prefix of it, so a
 * flush covers every commit written before it started, from this connection or any other
 * process's, and a commit that was never flushed can only be lost together with all after it.
 */
export class WalSync {
  private running?: Promise<void>;
  private queued?: Promise<void>;
  /** Flushes done (metrics and tests: several commits share one). */
  flushes = 0;
  private file?: Promise<FileHandle>;

  constructor(readonly databaseFile: string) {}

  /** Resolves after a flush that started after this call. */
  sync(): Promise<void> {
    if (!this.running) return this.start();
    // The running flush may have started before our commit: wait for the next one, shared.
    this.queued ??= this.running.then(
      () => this.startQueued(),
      () => this.startQueued(),
    );
    return this.queued;
  }

  private startQueued(): Promise<void> {
    this.queued = undefined;
    return this.running ? this.sync() : this.start();
  }

  private start(): Promise<void> {
    const run = this.flush().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  /**
   * The WAL is opened once and kept until `close()`, which the owner calls before its
   * connection closes: a flush is then one job on the thread pool instead of three (open, sync,
   * close), each of which waited for a turn of a busy event loop. SQLite removes the WAL file
   * only when the last connection to the database closes, so while ours is open the kept
   * descriptor is the live file; SQLite takes no POSIX locks on the WAL (they are on the database
   * and -shm files, whose descriptors must never be closed by us), so closing this one drops none.
   */
  private async flush(): Promise<void> {
    this.file ??= open(`${this.databaseFile}-wal`, 'r');
    const file = await this.file.catch((err: unknown) => {
      this.file = undefined;
      throw err;
    });
    await file.datasync();
    this.flushes++;
  }

  /** Before the connection closes (a data source initialised again opens it again). */
  async close(): Promise<void> {
    await this.running?.catch(() => undefined);
    const file = await this.file?.catch(() => undefined);
    this.file = undefined;
    await file?.close();
  }
}
