import { HOSPITAL_ZONE } from '@app/calendar/zone';
import { DateTime } from 'luxon';
import type { ComplianceDocument } from './compliance-file.decider';

/** Where a document stands on a day: in force, not yet, past its end, replaced, withdrawn. */
export type DocumentStatus = 'valid' | 'not-yet-valid' | 'expired' | 'superseded' | 'withdrawn';

/** The day before a local date (YYYY-MM-DD). */
const dayBefore = (date: string): string => DateTime.fromISO(date, { zone: HOSPITAL_ZONE }).minus({ days: 1 }).toISODate()!;

/**
 * The last day the document holds: the earliest of its own end, the day before a newer one took
 * over and the day before its withdrawal took effect. Null: open-ended. Before `validFrom` when it
 * was withdrawn from its first day (an upload in error): then it never held.
 */
export function lastValidDay(d: ComplianceDocument): string | null {
  const ends = [d.validUntil, d.supersededOn && dayBefore(d.supersededOn), d.withdrawal && dayBefore(d.withdrawal.effectiveOn)].filter(
    (x): x is string => typeof x === 'string',
  );
  return ends.length ? ends.sort()[0] : null;
}

export function documentStatusOn(d: ComplianceDocument, day: string): DocumentStatus {
  if (day < d.validFrom) return 'not-yet-valid';
  const last = lastValidDay(d);
  if (last === null || day <= last) return 'valid';
  if (d.withdrawal !== null && day >= d.withdrawal.effectiveOn) return 'withdrawn';
  if (d.supersededOn !== null && day >= d.supersededOn) return 'superseded';
  return 'expired';
}

/** Whether the document held on any day from `fromDay` to `toDay` (both included): what a bundle for that period carries. */
export function validBetween(d: ComplianceDocument, fromDay: string, toDay: string): boolean {
  const last = lastValidDay(d);
  return d.validFrom <= toDay && (last === null || last >= fromDay) && (last === null || last >= d.validFrom);
}

/** The local day (Europe/Amsterdam) of an instant. */
export const hospitalDay = (instant: string): string => DateTime.fromISO(instant, { zone: HOSPITAL_ZONE }).toISODate()!;

/** Documents with their status on `day`, oldest first. */
export function documentsOn(
  documents: readonly ComplianceDocument[],
  day: string,
): Array<ComplianceDocument & { status: DocumentStatus; lastValidDay: string | null }> {
  return documents.map((d) => ({ ...d, status: documentStatusOn(d, day), lastValidDay: lastValidDay(d) }));
}
