import type { ObjectLiteral, Repository, SelectQueryBuilder } from 'typeorm';
import { decodeCursor, encodeCursor } from './pagination';

/** A read-model row on a deadline board: ordered by its next deadline (`sortKey`), open or closed. */
export interface BoardRow extends ObjectLiteral {
  sortKey: string;
  status: string;
  nextDueAt: string | null;
  aiSystemId: string;
}

export interface BoardFilter {
  /** `open` also when `overdue` is asked: only an open item can be overdue. */
  status?: string;
  overdue?: boolean;
  aiSystemId?: string;
  limit: number;
  cursor?: string;
}

/**
 * One page of a deadline board (incidents, supplier notices): the earliest open deadline first,
 * filtered by status, overdue (by the business clock `now`) and AI system, with a keyset cursor
 * over (sortKey, id).
 */
export async function deadlineBoardPage<R extends BoardRow>(
  rows: Repository<R>,
  alias: string,
  idColumn: keyof R & string,
  filter: BoardFilter,
  now: string,
): Promise<{ rows: R[]; nextCursor: string | null }> {
  const after = decodeCursor(filter.cursor, 2) as [string, string] | undefined;
  const qb: SelectQueryBuilder<R> = rows
    .createQueryBuilder(alias)
    .orderBy(`${alias}.sortKey`, 'ASC')
    .addOrderBy(`${alias}.${idColumn}`, 'ASC')
    .take(filter.limit + 1);
  const status = filter.overdue ? 'open' : filter.status;
  if (status) qb.andWhere(`${alias}.status = :status`, { status });
  if (filter.overdue) qb.andWhere(`${alias}.nextDueAt < :now`, { now });
  if (filter.aiSystemId) qb.andWhere(`${alias}.aiSystemId = :system`, { system: filter.aiSystemId });
  if (after) qb.andWhere(`(${alias}.sortKey > :k OR (${alias}.sortKey = :k AND ${alias}.${idColumn} > :id))`, { k: after[0], id: after[1] });
  const found = await qb.getMany();
  const page = found.slice(0, filter.limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: found.length > filter.limit ? encodeCursor([last.sortKey, last[idColumn]]) : null };
}

/** How many open items have a deadline passed and not met, by the business clock `now` (metrics, CLI). */
export function countOverdue<R extends BoardRow>(rows: Repository<R>, now: string): Promise<number> {
  return rows.createQueryBuilder('r').where('r.status = :open', { open: 'open' }).andWhere('r.nextDueAt < :now', { now }).getCount();
}
