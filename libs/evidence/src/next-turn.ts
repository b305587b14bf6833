/**
 * Lets timers, I/O and HTTP requests run between pages of a long pass over the log or the
 * ledger. Awaiting a query of embedded SQLite only yields to microtasks (better-sqlite3 answers
 * synchronously), so without this a pass would hold the event loop from its first page to its last.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
