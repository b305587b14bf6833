import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { PSEUDONYM_PATTERN } from '@app/identity';
import { decodeCursor, ProblemException } from '@app/platform';

/** FHIR search parameters as Express hands them over (a repeated parameter is an array). */
export type SearchQuery = Record<string, string | string[] | undefined>;

/** Parameters every search takes besides its own (`_cursor` is ours: paging like the API). */
const PAGING = ['_count', '_cursor', '_format'];
export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 500;

const badParam = (name: string, message: string) =>
  new ProblemException(400, 'invalid-search-parameter', 'Bad request', `Search parameter ${name}: ${message}`, [{ field: name, message }]);

/**
 * Refuses any parameter the search does not support, naming it: a search that silently ignored an
 * unknown filter would answer more than was asked (FHIR "strict" handling, always on here).
 */
export function checkParams(query: SearchQuery, supported: readonly string[]): void {
  for (const name of Object.keys(query)) {
    if (!supported.includes(name) && !PAGING.includes(name)) throw badParam(name, 'is not supported for this resource type (see /fhir/metadata)');
  }
  for (const [name, value] of Object.entries(query)) {
    if (Array.isArray(value) && name !== 'date' && name !== 'recorded') throw badParam(name, 'may be given once');
  }
  const format = single(query, '_format');
  if (format !== undefined && !JSON_FORMATS.includes(format)) throw badParam('_format', 'only JSON is served (json, application/fhir+json)');
  const cursor = single(query, '_cursor');
  if (cursor !== undefined) {
    try {
      decodeCursor(cursor, 1);
    } catch {
      throw badParam('_cursor', "is not one of this server's next links");
    }
  }
}

const JSON_FORMATS = ['json', 'application/json', 'application/fhir+json'];

/** `_count`: 1–500, 50 when absent. */
export function countOf(query: SearchQuery): number {
  const raw = single(query, '_count');
  if (raw === undefined) return DEFAULT_COUNT;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_COUNT) throw badParam('_count', `must be a whole number from 1 to ${MAX_COUNT}`);
  return n;
}

export function single(query: SearchQuery, name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A patient by pseudonym: `p-…` or `Patient/p-…` (raw patient ids are never searchable). */
export function patientOf(query: SearchQuery, name: string): string | undefined {
  const raw = single(query, name);
  if (raw === undefined) return undefined;
  const value = raw.startsWith('Patient/') ? raw.slice('Patient/'.length) : raw;
  if (!PSEUDONYM_PATTERN.test(value)) throw badParam(name, 'must be a patient pseudonym issued by this registry (p-…), not a patient id');
  return value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An AI system: its id, or `Device/<id>`. */
export function deviceOf(query: SearchQuery, name: string): string | undefined {
  const raw = single(query, name);
  if (raw === undefined) return undefined;
  const value = raw.startsWith('Device/') ? raw.slice('Device/'.length) : raw;
  if (!UUID.test(value)) throw badParam(name, 'must be an AI system id (Device/<uuid>)');
  return value.toLowerCase();
}

/** An instant range: `from` inclusive, `to` exclusive, as ISO instants (UTC). */
export interface DateRange {
  from?: string;
  to?: string;
}

// FHIR dateTime search value: a year, month, day or instant; a time without zone is read as UTC.
const DATE_VALUE =
  /^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01])(?:T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(\.\d{1,9})?)?(Z|[+-](?:0\d|1[0-3]):[0-5]\d|[+-]14:00)?)?)?)?$/;

/** The instants a date value stands for at its precision: `2026-12` is [Dec 1, Jan 1). */
function rangeOf(value: string, name: string): { start: Date; end: Date } {
  const m = DATE_VALUE.exec(value);
  if (!m) throw badParam(name, 'must be a FHIR date with an optional prefix eq, ne, gt, lt, ge, le (e.g. ge2026-12-01)');
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let start: Date;
  let end: Date;
  if (h !== undefined) {
    const text = `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${frac ?? ''}${zone ?? 'Z'}`;
    start = new Date(text);
    // An instant to the second (or finer) stands for its second; to the minute, for its minute.
    end = new Date(start.getTime() + (s === undefined ? 60_000 : frac === undefined ? 1_000 : 1));
  } else if (d !== undefined) {
    start = new Date(Date.UTC(+y, +mo - 1, +d));
    end = new Date(Date.UTC(+y, +mo - 1, +d + 1));
  } else if (mo !== undefined) {
    start = new Date(Date.UTC(+y, +mo - 1, 1));
    end = new Date(Date.UTC(+y, +mo, 1));
  } else {
    start = new Date(Date.UTC(+y, 0, 1));
    end = new Date(Date.UTC(+y + 1, 0, 1));
  }
  // 2026-02-30 would roll over into March: not a date.
  const rolledOver = d !== undefined && h === undefined && start.getUTCDate() !== +d;
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || rolledOver) throw badParam(name, `${value} is not a valid date`);
  return { start, end };
}

/**
 * The date parameter (repeatable: `date=ge2026-01-01&date=lt2026-02-01`) as one range. Each value
 * covers a range at its precision; `eq` is inside it, `ge`/`gt` from its start/end on, `le`/`lt`
 * before its end/start (FHIR R4 search §3.1.1.4.4 on ranges). `ne` and the other prefixes are refused.
 */
export function dateRangeOf(query: SearchQuery, name: string): DateRange {
  const raw = query[name];
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  let from: Date | undefined;
  let to: Date | undefined;
  const later = (a: Date | undefined, b: Date) => (a && a > b ? a : b);
  const earlier = (a: Date | undefined, b: Date) => (a && a < b ? a : b);
  for (const value of values) {
    const prefix = /^[a-z]{2}/.test(value) ? value.slice(0, 2) : 'eq';
    const { start, end } = rangeOf(/^[a-z]{2}/.test(value) ? value.slice(2) : value, name);
    switch (prefix) {
      case 'eq':
        from = later(from, start);
        to = earlier(to, end);
        break;
      case 'ge':
        from = later(from, start);
        break;
      case 'gt':
        from = later(from, end);
        break;
      case 'le':
        to = earlier(to, end);
        break;
      case 'lt':
        to = earlier(to, start);
        break;
      default:
        throw badParam(name, `prefix ${prefix} is not supported (eq, gt, lt, ge, le)`);
    }
  }
  return { from: from?.toISOString(), to: to?.toISOString() };
}

/** A searchset page: `total` matches, `self` and (when there is more) `next` links. */
export function searchset<R extends Resource>(selfUrl: URL, resources: R[], total: number, nextCursor: string | null): Bundle<R> {
  const link: Bundle['link'] = [{ relation: 'self', url: selfUrl.toString() }];
  if (nextCursor) {
    const next = new URL(selfUrl);
    next.searchParams.set('_cursor', nextCursor);
    link.push({ relation: 'next', url: next.toString() });
  }
  const base = `${selfUrl.origin}${selfUrl.pathname}`;
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    link,
    entry: resources.map((resource): BundleEntry<R> => ({ fullUrl: `${base}/${resource.id}`, resource, search: { mode: 'match' } })),
  };
}
