import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, SqlDatabase, type SqlTx } from '@app/event-store';
import type { Role } from '../local-tokens';

/** What was done with a data subject's data (NEN 7513 "welke handeling"). */
export type AccessAction = 'read-review' | 'list-reviews' | 'read-timeline' | 'export' | 'download' | (string & {});

/** One access as the interceptor sees it; the log adds sequence, time and hashes. */
export interface AccessRecord {
  requestId: string;
  actor: { subject: string; role: Role };
  action: AccessAction;
  /** The data subject's pseudonym, never a raw patient id. */
  dataSubject: string;
  /** Method and path (no query string: it may hold search terms). */
  resource: string;
  ip?: string;
  userAgent?: string;
}

export interface AccessLogEntry extends AccessRecord {
  seq: number;
  entryId: string;
  at: string;
  prevHash: string;
  entryHash: string;
}

export interface AccessLogFilter {
  entryId?: string;
  subject?: string;
  actor?: string;
  action?: string;
  /** Inclusive ISO time. */
  from?: string;
  /** Exclusive ISO time. */
  to?: string;
  afterSeq?: number;
  limit: number;
}

export interface AccessLogVerification {
  ok: boolean;
  entries: number;
  firstBadSeq: number | null;
  /** Entries up to here were purged; the chain was checked from the purge's anchor hash. */
  purgedThroughSeq: number;
}

/** NEN 7513: access logs are kept at least five years; nothing younger can be purged. */
export const ACCESS_LOG_MIN_RETENTION_YEARS = 5;

export interface AccessLogPurge {
  /** The last purged entry (0 when nothing was purged). */
  throughSeq: number;
  /** That entry's hash: the remaining chain links to it. */
  anchorHash: string;
  entries: number;
  purgedBefore: string;
  purgedAt: string;
}

/** What `applyPurge` carries out: a purge and the last purge it follows. */
export type AccessLogPurgePlan = AccessLogPurge & { fromSeq: number };

/** `before` is too recent: it would purge entries younger than the minimum retention. */
export class AccessLogRetentionError extends Error {}

interface Row {
  seq: number | string;
  entry_id: string;
  request_id: string;
  at: string;
  actor_subject: string;
  actor_role: string;
  action: string;
  data_subject: string;
  resource: string;
  ip: string | null;
  user_agent: string | null;
  prev_hash: string;
  entry_hash: string;
}

const GENESIS = '0'.repeat(64);
/** The last link of the chain: the newest entry, or after a purge of every entry the purge's anchor. */
const LAST_LINK = `SELECT seq, entry_hash FROM (SELECT seq, entry_hash FROM access_log ORDER BY seq DESC LIMIT 1) AS l
  UNION ALL SELECT seq, entry_hash FROM (SELECT through_seq AS seq, anchor_hash AS entry_hash FROM access_log_purges ORDER BY through_seq DESC LIMIT 1) AS p
  ORDER BY seq DESC LIMIT 1`;
const COLUMNS = 'seq, entry_id, request_id, at, actor_subject, actor_role, action, data_subject, resource, ip, user_agent, prev_hash, entry_hash';

/**
 * The NEN 7513 access log: who (subject, role) did what (action) with whose data (pseudonym),
 * when and from where. Append-only (no update or delete here, and database triggers refuse them)
 * and hash-chained: each entry's hash covers its fields and the previous hash, so a removed or
 * edited row breaks `verify()`. See docs/adr/0010-access-log.md.
 */
@Injectable()
export class AccessLog {
  constructor(
    private readonly db: SqlDatabase,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The latest purge, if any: where the chain now starts. */
  private async lastPurge(q: Pick<SqlTx, 'query'> = this.db): Promise<{ throughSeq: number; anchorHash: string } | undefined> {
    const [row] = await q.query<{ through_seq: number | string; anchor_hash: string }>(
      'SELECT through_seq, anchor_hash FROM access_log_purges ORDER BY through_seq DESC LIMIT 1',
    );
    return row && { throughSeq: Number(row.through_seq), anchorHash: row.anchor_hash };
  }

  async record(records: AccessRecord[]): Promise<AccessLogEntry[]> {
    if (records.length === 0) return [];
    return this.db.transaction(async (tx) => {
      // The chain needs one writer at a time; SQLite transactions are serialised already.
      if (tx.dialect.kind === 'postgres') await tx.query('LOCK TABLE access_log IN SHARE ROW EXCLUSIVE MODE');
      // After a purge of every entry the chain goes on from the purge's anchor.
      const [last] = await tx.query<{ seq: number | string; entry_hash: string }>(LAST_LINK);
      let seq = last ? Number(last.seq) : 0;
      let prevHash = last?.entry_hash ?? GENESIS;
      const at = this.clock.now().toISOString();
      const written: AccessLogEntry[] = [];
      for (const r of records) {
        seq += 1;
        const entry = { ...r, seq, entryId: randomUUID(), at, ip: clip(r.ip, 64), userAgent: clip(r.userAgent, 500), prevHash, entryHash: '' };
        entry.entryHash = hashOf(entry);
        await tx.query(`INSERT INTO access_log (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
          seq,
          entry.entryId,
          r.requestId,
          at,
          r.actor.subject,
          r.actor.role,
          r.action,
          r.dataSubject,
          clip(r.resource, 500),
          entry.ip ?? null,
          entry.userAgent ?? null,
          prevHash,
          entry.entryHash,
        ]);
        written.push(entry);
        prevHash = entry.entryHash;
      }
      return written;
    });
  }

  /** Entries in log order matching every given filter, at most `limit` after `afterSeq`. */
  async find(filter: AccessLogFilter): Promise<AccessLogEntry[]> {
    const { where, params } = whereOf(filter);
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM access_log WHERE ${where} ORDER BY seq LIMIT ${Math.floor(filter.limit)}`, params);
    return rows.map(entryOf);
  }

  /** How many entries match the filter (`afterSeq` and `limit` aside): a FHIR searchset's `total`. */
  async count(filter: Omit<AccessLogFilter, 'afterSeq' | 'limit'>): Promise<number> {
    const { where, params } = whereOf({ ...filter, limit: 0 });
    const [row] = await this.db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM access_log WHERE ${where}`, params);
    return Number(row.n);
  }

  /**
   * What `purge(before)` would delete: the entries recorded before `before` (an ISO time at least
   * five years ago), as the oldest part of the chain: up to the entry before the first one
   * recorded at or after `before`. `entries` 0 when nothing is left to purge.
   */
  async planPurge(before: string): Promise<AccessLogPurgePlan> {
    const purgedAt = this.clock.now();
    const limit = new Date(purgedAt);
    limit.setUTCFullYear(limit.getUTCFullYear() - ACCESS_LOG_MIN_RETENTION_YEARS);
    const cutoff = new Date(before);
    if (Number.isNaN(cutoff.getTime())) throw new AccessLogRetentionError(`"${before}" is not a date`);
    if (cutoff > limit) {
      throw new AccessLogRetentionError(
        `Access-log entries are kept at least ${ACCESS_LOG_MIN_RETENTION_YEARS} years (NEN 7513): the purge date must be on or before ${limit.toISOString()}`,
      );
    }
    const purgedBefore = cutoff.toISOString();
    const done = await this.lastPurge();
    const from = done?.throughSeq ?? 0;
    const [bounds] = await this.db.query<{ first_kept: number | string | null; last: number | string | null }>(
      'SELECT (SELECT MIN(seq) FROM access_log WHERE at >= ?) AS first_kept, (SELECT MAX(seq) FROM access_log) AS last',
      [purgedBefore],
    );
    const through = bounds.first_kept !== null ? Number(bounds.first_kept) - 1 : Number(bounds.last ?? from);
    const plan = { fromSeq: from, purgedBefore, purgedAt: purgedAt.toISOString() };
    if (through <= from) return { ...plan, throughSeq: from, anchorHash: done?.anchorHash ?? GENESIS, entries: 0 };
    const [anchor] = await this.db.query<{ entry_hash: string }>('SELECT entry_hash FROM access_log WHERE seq = ?', [through]);
    return { ...plan, throughSeq: through, anchorHash: anchor.entry_hash, entries: through - from };
  }

  /**
   * Carries out a plan: records the purge (with its anchor, the hash of the last entry it
   * removes), then deletes; the database lets only entries a recorded purge covers be deleted,
   * and the rest of the chain verifies from the anchor. Refused if another purge came first.
   */
  async applyPurge(plan: AccessLogPurgePlan, by: { subject: string }, reason?: string): Promise<void> {
    if (plan.entries === 0) return;
    await this.db.transaction(async (tx) => {
      if (tx.dialect.kind === 'postgres') await tx.query('LOCK TABLE access_log IN SHARE ROW EXCLUSIVE MODE');
      const done = await this.lastPurge(tx);
      const [anchor] = await tx.query<{ entry_hash: string }>('SELECT entry_hash FROM access_log WHERE seq = ?', [plan.throughSeq]);
      if ((done?.throughSeq ?? 0) !== plan.fromSeq || anchor?.entry_hash !== plan.anchorHash) {
        throw new AccessLogRetentionError('Another purge ran in the meantime: plan again');
      }
      await tx.query(
        `INSERT INTO access_log_purges (through_seq, anchor_hash, entries, purged_before, purged_at, actor_subject, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [plan.throughSeq, plan.anchorHash, plan.entries, plan.purgedBefore, plan.purgedAt, by.subject, reason?.slice(0, 500) ?? null],
      );
      await tx.query('DELETE FROM access_log WHERE seq > ? AND seq <= ?', [plan.fromSeq, plan.throughSeq]);
    });
  }

  /** The last entry (or, with every entry purged, the last purge's anchor): what to anchor in the event log. */
  async head(): Promise<{ seq: number; entryHash: string } | null> {
    const [last] = await this.db.query<{ seq: number | string; entry_hash: string }>(LAST_LINK);
    return last ? { seq: Number(last.seq), entryHash: last.entry_hash } : null;
  }

  /**
   * The entry hashes of seq `afterSeq + 1` through `throughSeq`, 32 bytes each in one buffer, in
   * seq order: the leaves of the access-log tree (ADR 0047). Throws when one is missing (purged
   * in the meantime), so a tree is never built over a gap. `onSubject` is told each entry's data
   * subject in the same read (the per-subject commitment, ADR 0050).
   */
  async entryHashes(afterSeq: number, throughSeq: number, onSubject?: (seq: number, dataSubject: string) => void): Promise<Buffer> {
    const out = Buffer.alloc(Math.max(0, throughSeq - afterSeq) * 32);
    let seq = afterSeq;
    while (seq < throughSeq) {
      const rows = await this.db.query<{ seq: number | string; entry_hash: string; data_subject: string }>(
        'SELECT seq, entry_hash, data_subject FROM access_log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT 10000',
        [seq, throughSeq],
      );
      if (rows.length === 0) break;
      for (const r of rows) {
        if (Number(r.seq) !== seq + 1) break;
        out.write(r.entry_hash, (seq - afterSeq) * 32, 32, 'hex');
        seq++;
        onSubject?.(seq, r.data_subject);
      }
      if (Number(rows[rows.length - 1].seq) !== seq) break;
    }
    if (seq !== throughSeq) throw new Error(`Access-log entry #${seq + 1} is missing: no tree over #${afterSeq + 1}–#${throughSeq}`);
    return out;
  }

  /** The purges recorded in SQL, oldest first. */
  async purges(): Promise<Array<{ throughSeq: number; anchorHash: string }>> {
    const rows = await this.db.query<{ through_seq: number | string; anchor_hash: string }>(
      'SELECT through_seq, anchor_hash FROM access_log_purges ORDER BY through_seq',
    );
    return rows.map((r) => ({ throughSeq: Number(r.through_seq), anchorHash: r.anchor_hash }));
  }

  /**
   * Checks hashes recorded elsewhere (the event log, which the ledger signs) against the stored
   * chain: a chain rewritten from some entry on and re-hashed to the end passes `verify()`, but
   * not this. Anchors inside a purged range are checked against the purge that covers them only
   * when they are its own anchor. Returns the anchors that do not match.
   */
  async mismatchedAnchors(
    anchors: Array<{ seq: number; entryHash: string }>,
    purges: Array<{ throughSeq: number; anchorHash: string }>,
  ): Promise<Array<{ seq: number; entryHash: string; found: string | null }>> {
    const purgedThrough = purges.length ? purges[purges.length - 1].throughSeq : 0;
    const bad: Array<{ seq: number; entryHash: string; found: string | null }> = [];
    for (const anchor of anchors) {
      let found: string | null;
      if (anchor.seq <= purgedThrough) {
        const purge = purges.find((p) => p.throughSeq === anchor.seq);
        if (!purge) continue; // its entry is gone: the covering purge's own anchor stands for it
        found = purge.anchorHash;
      } else {
        const [row] = await this.db.query<{ entry_hash: string }>('SELECT entry_hash FROM access_log WHERE seq = ?', [anchor.seq]);
        found = row?.entry_hash ?? null;
      }
      if (found !== anchor.entryHash) bad.push({ ...anchor, found });
    }
    return bad;
  }

  /** Recomputes the chain from the last purge's anchor; reports the first entry whose hash or link does not match. */
  async verify(batch = 1000): Promise<AccessLogVerification> {
    const purged = await this.lastPurge();
    const purgedThroughSeq = purged?.throughSeq ?? 0;
    let prevHash = purged?.anchorHash ?? GENESIS;
    let after = purgedThroughSeq;
    let entries = 0;
    for (;;) {
      const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM access_log WHERE seq > ? ORDER BY seq LIMIT ${batch}`, [after]);
      for (const row of rows) {
        const entry = entryOf(row);
        entries++;
        if (entry.seq !== after + 1 || entry.prevHash !== prevHash || hashOf(entry) !== entry.entryHash) {
          return { ok: false, entries, firstBadSeq: after + 1, purgedThroughSeq };
        }
        prevHash = entry.entryHash;
        after = entry.seq;
      }
      if (rows.length < batch) return { ok: true, entries, firstBadSeq: null, purgedThroughSeq };
    }
  }
}

function whereOf(filter: AccessLogFilter): { where: string; params: unknown[] } {
  const where: string[] = ['seq > ?'];
  const params: unknown[] = [filter.afterSeq ?? 0];
  const add = (sql: string, value: unknown) => {
    if (value === undefined) return;
    where.push(sql);
    params.push(value);
  };
  add('entry_id = ?', filter.entryId);
  add('data_subject = ?', filter.subject);
  add('actor_subject = ?', filter.actor);
  add('action = ?', filter.action);
  add('at >= ?', filter.from);
  add('at < ?', filter.to);
  return { where: where.join(' AND '), params };
}

function hashOf(e: Omit<AccessLogEntry, 'entryHash'>): string {
  // A fixed field order: the same entry always hashes the same on every dialect.
  const fields = [
    e.seq,
    e.entryId,
    e.requestId,
    e.at,
    e.actor.subject,
    e.actor.role,
    e.action,
    e.dataSubject,
    clip(e.resource, 500),
    e.ip ?? null,
    e.userAgent ?? null,
  ];
  return createHash('sha256').update(e.prevHash).update('\n').update(JSON.stringify(fields)).digest('hex');
}

function entryOf(r: Row): AccessLogEntry {
  const entry: AccessLogEntry = {
    seq: Number(r.seq),
    entryId: r.entry_id,
    requestId: r.request_id,
    at: r.at,
    actor: { subject: r.actor_subject, role: r.actor_role as Role },
    action: r.action,
    dataSubject: r.data_subject,
    resource: r.resource,
    prevHash: r.prev_hash,
    entryHash: r.entry_hash,
  };
  if (r.ip !== null) entry.ip = r.ip;
  if (r.user_agent !== null) entry.userAgent = r.user_agent;
  return entry;
}

function clip(s: string | undefined, max: number): string | undefined {
  return s === undefined ? undefined : s.slice(0, max);
}
