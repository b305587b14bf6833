/**
 * Runs async tasks one at a time. SQLite through TypeORM has one connection, so two
 * transactions must never interleave on it; every write transaction goes through here.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
