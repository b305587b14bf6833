import { open } from 'node:fs/promises';

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
   * Opened anew for each flush: the WAL file is removed when the last connection closes and
   * made anew by the next, so a kept descriptor could point at a removed file, and a kept one
   * would outlive the connection. (Never the database file itself: closing any descriptor of
   * it drops the POSIX locks SQLite holds on it in this process.)
   */
  private async flush(): Promise<void> {
    const file = await open(`${this.databaseFile}-wal`, 'r');
    try {
      await file.datasync();
    } finally {
      await file.close();
    }
    this.flushes++;
  }
}
