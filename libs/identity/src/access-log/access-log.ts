import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { SqlDatabase } from '@app/event-store';
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
}

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
const COLUMNS = 'seq, entry_id, request_id, at, actor_subject, actor_role, action, data_subject, resource, ip, user_agent, prev_hash, entry_hash';

/**
 * The NEN 7513 access log: who (subject, role) did what (action) with whose data (pseudonym),
 * when and from where. Append-only (no update or delete here, and database triggers refuse them)
 * and hash-chained: each entry's hash covers its fields and the previous hash, so a removed or
 * edited row breaks `verify()`. See docs/adr/0010-access-log.md.
 */
@Injectable()
export class AccessLog {
  constructor(private readonly db: SqlDatabase) {}

  async record(records: AccessRecord[]): Promise<AccessLogEntry[]> {
    if (records.length === 0) return [];
    return this.db.transaction(async (tx) => {
      // The chain needs one writer at a time; SQLite transactions are serialised already.
      if (tx.dialect.kind === 'postgres') await tx.query('LOCK TABLE access_log IN SHARE ROW EXCLUSIVE MODE');
      const [last] = await tx.query<{ seq: number | string; entry_hash: string }>(
        'SELECT seq, entry_hash FROM access_log ORDER BY seq DESC LIMIT 1',
      );
      let seq = last ? Number(last.seq) : 0;
      let prevHash = last?.entry_hash ?? GENESIS;
      const at = new Date().toISOString();
      const written: AccessLogEntry[] = [];
      for (const r of records) {
        seq += 1;
        const entry = { ...r, seq, entryId: randomUUID(), at, ip: clip(r.ip, 64), userAgent: clip(r.userAgent, 500), prevHash, entryHash: '' };
        entry.entryHash = hashOf(entry);
        await tx.query(
          `INSERT INTO access_log (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [seq, entry.entryId, r.requestId, at, r.actor.subject, r.actor.role, r.action, r.dataSubject, clip(r.resource, 500), entry.ip ?? null, entry.userAgent ?? null, prevHash, entry.entryHash],
        );
        written.push(entry);
        prevHash = entry.entryHash;
      }
      return written;
    });
  }

  /** Entries in log order matching every given filter, at most `limit` after `afterSeq`. */
  async find(filter: AccessLogFilter): Promise<AccessLogEntry[]> {
    const where: string[] = ['seq > ?'];
    const params: unknown[] = [filter.afterSeq ?? 0];
    const add = (sql: string, value: unknown) => {
      if (value === undefined) return;
      where.push(sql);
      params.push(value);
    };
    add('data_subject = ?', filter.subject);
    add('actor_subject = ?', filter.actor);
    add('action = ?', filter.action);
    add('at >= ?', filter.from);
    add('at < ?', filter.to);
    const rows = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM access_log WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ${Math.floor(filter.limit)}`,
      params,
    );
    return rows.map(entryOf);
  }

  /** Recomputes the whole chain; reports the first entry whose hash or link does not match. */
  async verify(batch = 1000): Promise<AccessLogVerification> {
    let prevHash = GENESIS;
    let after = 0;
    let entries = 0;
    for (;;) {
      const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM access_log WHERE seq > ? ORDER BY seq LIMIT ${batch}`, [after]);
      for (const row of rows) {
        const entry = entryOf(row);
        entries++;
        if (entry.seq !== after + 1 || entry.prevHash !== prevHash || hashOf(entry) !== entry.entryHash) {
          return { ok: false, entries, firstBadSeq: after + 1 };
        }
        prevHash = entry.entryHash;
        after = entry.seq;
      }
      if (rows.length < batch) return { ok: true, entries, firstBadSeq: null };
    }
  }
}

function hashOf(e: Omit<AccessLogEntry, 'entryHash'>): string {
  // A fixed field order: the same entry always hashes the same on every dialect.
  const fields = [e.seq, e.entryId, e.requestId, e.at, e.actor.subject, e.actor.role, e.action, e.dataSubject, clip(e.resource, 500), e.ip ?? null, e.userAgent ?? null];
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
