import { DateTime } from 'luxon';
import type { BundleScope } from './scope';

/**
 * The compliance file's documents in a bundle (issue 23 item 3, VERIFY.md B.16): the file of every
 * document that held on a day of the scope's period, stored as `data/documents/<sha256>`, each
 * proven by its `compliance.DocumentRecorded` event in events.jsonl. Self-contained on purpose:
 * the writer and the verifier each feed the shown events to `BundleDocuments` and ask it.
 */
export const DOCUMENTS_DIR = 'data/documents/';
const HEX64 = /^[0-9a-f]{64}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ZONE = 'Europe/Amsterdam';

interface Held {
  sha256: string;
  sizeBytes: number;
  validFrom: string;
  validUntil: string | null;
  /** First days it no longer held: a newer one took over, it was withdrawn. */
  endsOn: string[];
}

const dayBefore = (date: string) => DateTime.fromISO(date, { zone: ZONE }).minus({ days: 1 }).toISODate();
const dayOf = (instant: string | null): string | null => (instant ? DateTime.fromISO(instant, { zone: ZONE }).toISODate() : null);
const str = (v: unknown): v is string => typeof v === 'string';

export class BundleDocuments {
  private readonly byId = new Map<string, Held>();
  /** The events that record each content (a forged line may claim a size; every claim is kept). */
  private readonly recorded = new Map<string, number[]>();

  /** A shown (not withheld) event of events.jsonl; every member read is tested first: the line may be hostile. */
  event(e: { type?: unknown; data?: unknown }): void {
    const d = e.data as Record<string, unknown> | null;
    if (typeof d !== 'object' || d === null || !str(d.documentId)) return;
    if (e.type === 'compliance.DocumentRecorded') {
      const size = d.sizeBytes;
      if (!str(d.sha256) || typeof size !== 'number' || !Number.isInteger(size) || size < 0 || !str(d.validFrom) || !DATE.test(d.validFrom)) return;
      const validUntil = str(d.validUntil) && DATE.test(d.validUntil) ? d.validUntil : null;
      this.byId.set(d.documentId, { sha256: d.sha256, sizeBytes: size, validFrom: d.validFrom, validUntil, endsOn: [] });
      this.recorded.set(d.sha256, [...(this.recorded.get(d.sha256) ?? []), size]);
    } else if ((e.type === 'compliance.DocumentSuperseded' || e.type === 'compliance.DocumentWithdrawn') && str(d.effectiveOn) && DATE.test(d.effectiveOn)) {
      this.byId.get(d.documentId)?.endsOn.push(d.effectiveOn);
    }
  }

  /**
   * The documents that held on some day of the period (Europe/Amsterdam days of the scope's `from`
   * and `to`, each open when null): first day ≤ the period's last, and last day (the earliest of
   * `validUntil` and the day before each supersession or withdrawal took effect) ≥ both the period's
   * first and the document's own first day. By SHA-256, once each.
   */
  required(scope: Pick<BundleScope, 'from' | 'to'>): Map<string, number> {
    const from = dayOf(scope.from);
    const to = dayOf(scope.to);
    const out = new Map<string, number>();
    for (const d of this.byId.values()) {
      const ends = [d.validUntil, ...d.endsOn.map(dayBefore)].filter(str).sort();
      const last = ends[0] ?? null;
      if (last !== null && last < d.validFrom) continue;
      if (to !== null && d.validFrom > to) continue;
      if (from !== null && last !== null && last < from) continue;
      out.set(d.sha256, d.sizeBytes);
    }
    return out;
  }

  /**
   * VERIFY.md B.16: every file under data/documents/ is named by a SHA-256 that its bytes have
   * (`digests`, taken from the bytes) and that a shown DocumentRecorded event records with the
   * file's size; and every document that held in the period has its file.
   */
  check(
    scope: Pick<BundleScope, 'from' | 'to'>,
    files: Map<string, { sha256: string | undefined; size: number }>,
    problems: Array<{ file?: string; problem: string }>,
  ): void {
    for (const [name, file] of files) {
      const claimed = name.slice(DOCUMENTS_DIR.length);
      if (!HEX64.test(claimed)) {
        problems.push({ file: name, problem: 'a document is named by its SHA-256 (64 lower-case hex digits) (VERIFY.md B.16)' });
      } else if (file.sha256 !== claimed) {
        problems.push({ file: name, problem: 'the document was changed: its bytes do not hash to its name (VERIFY.md B.16)' });
      } else if (!this.recorded.has(claimed)) {
        problems.push({ file: name, problem: 'no compliance.DocumentRecorded event in data/events.jsonl records this document (VERIFY.md B.16)' });
      } else if (!this.recorded.get(claimed)!.includes(file.size)) {
        problems.push({ file: name, problem: `the document is ${file.size} bytes, not the size its DocumentRecorded event records (VERIFY.md B.16)` });
      }
    }
    for (const sha256 of this.required(scope).keys()) {
      if (!files.has(`${DOCUMENTS_DIR}${sha256}`))
        problems.push({ file: `${DOCUMENTS_DIR}${sha256}`, problem: 'a document that held in the period is missing from the bundle (VERIFY.md B.16)' });
    }
  }
}
