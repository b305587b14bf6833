import type { EventEnvelope } from '@app/event-store';
import { canonicalJson } from '../ledger/canonical-json';
import { redactedText } from './field-redaction';

/**
 * data/coverage.json (VERIFY.md B.15): coverage of oversight derived from the bundle's own shown
 * events, by the writer and again by both verifiers, which compare bytes (like the timeline: never
 * trusted as given). The rules are written for a second implementation, so everything here is
 * exact: strict ISO times, integer milliseconds, round half up to a tenth of a minute, nearest rank.
 */
export const COVERAGE_FILE = 'data/coverage.json';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2}))?$/;
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * An ISO 8601 time as VERIFY.md B.15 reads it (a date alone is UTC midnight), in milliseconds since
 * 1970, or null. Not Date.parse: it accepts more forms than a second implementation would.
 */
export function isoMs(s: unknown): number | null {
  const m = typeof s === 'string' ? ISO.exec(s) : null;
  if (!m) return null;
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > (mo === 2 && leap(y) ? 29 : DAYS[mo - 1]) || h > 23 || mi > 59 || sec > 59) return null;
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d); // not Date.UTC: it reads years 0–99 as 1900–1999
  t.setUTCHours(h, mi, sec, Number((m[7] ?? '0').slice(0, 3).padEnd(3, '0')));
  const zone = m[8];
  const offset = zone && zone !== 'Z' ? (zone[0] === '+' ? 1 : -1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000 : 0;
  return t.getTime() - offset;
}

/** One output's row. */
export interface CoverageRow {
  position: number;
  aiSystemId: string;
  modelVersion: string;
  outputReference: string;
  producedAt: string;
  firstReviewAt: string | null;
  reviewer: string | null;
  decision: string | null;
  minutesToReview: number | null;
  status: string;
}

/** Figures per AI system and model version. */
export interface CoverageGroup {
  aiSystemId: string;
  modelVersion: string;
  produced: number;
  reviewed: number;
  unreviewed: number;
  overridden: number;
  medianMinutesToReview: number | null;
  p90MinutesToReview: number | null;
}

export interface CoverageFile {
  asOf: string;
  outputs: CoverageRow[];
  systems: CoverageGroup[];
  withheldEvents: number;
}

interface Review {
  aiSystemId: string;
  outputReference: string;
  decidedAt: string;
  decidedMs: number;
  reviewer: string;
  decision: string;
  withdrawn: boolean;
}

const OVERRIDES = new Set(['rejected', 'modified']);
const str = (v: unknown): v is string => typeof v === 'string';
/** Milliseconds as minutes, rounded half up to a tenth, by integer arithmetic (exact in both verifiers). */
const minutes = (ms: number) => Math.floor((ms + 3000) / 6000) / 10;
/** Nearest rank (ceil(p·n), 1-based) on ascending values; p in tenths so that no float enters. */
const rank = (sorted: number[], tenths: number) => (sorted.length ? minutes(sorted[Math.ceil((tenths * sorted.length) / 10) - 1]) : null);
/** UTF-16 code-unit order (B.3's), which `<` on strings is. */
const byUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Folds the bundle's shown events, in events.jsonl order (a withheld line only counted), into
 * coverage as of `asOf`: the tree head's time, or the scope's `to` when that is earlier (what the
 * bundle can hold: a review decided after `to` is outside the period).
 */
export class CoverageDeriver {
  private readonly outputs: Array<Omit<CoverageRow, 'firstReviewAt' | 'reviewer' | 'decision' | 'minutesToReview' | 'status'>> = [];
  private readonly reviews = new Map<string, Review>();
  private withheld = 0;
  readonly asOf: string;
  private readonly asOfMs: number;

  constructor(treeHeadIssuedAt: string, scopeTo: string | null | undefined) {
    const to = isoMs(scopeTo);
    const head = isoMs(treeHeadIssuedAt);
    this.asOf = to !== null && (head === null || to < head) ? scopeTo! : treeHeadIssuedAt;
    this.asOfMs = isoMs(this.asOf) ?? Number.POSITIVE_INFINITY;
  }

  withheldLine(): void {
    this.withheld++;
  }

  /** One shown (not withheld) line; a hostile one is read member by member. */
  event(e: EventEnvelope): void {
    const d = e.data as Record<string, unknown> | null | undefined;
    if (typeof d !== 'object' || d === null || Array.isArray(d)) return;
    switch (e.type) {
      case 'oversight.AiOutputProduced':
        if (str(d.aiSystemId) && str(d.modelVersion) && str(d.outputReference) && isoMs(d.producedAt) !== null)
          this.outputs.push({
            position: e.globalPosition,
            aiSystemId: d.aiSystemId,
            modelVersion: d.modelVersion,
            outputReference: d.outputReference,
            producedAt: d.producedAt as string,
          });
        return;
      case 'oversight.AiOutputReviewed': {
        const decidedMs = isoMs(d.decidedAt);
        if (!str(d.reviewId) || this.reviews.has(d.reviewId) || !str(d.aiSystemId) || !str(d.outputReference) || !str(d.decision)) return;
        if (decidedMs === null || decidedMs > this.asOfMs) return;
        const r = d.reviewer as { subject?: unknown } | null | undefined;
        const reviewer = redactedText(r) ?? (typeof r === 'object' && r !== null && str(r.subject) ? r.subject : '');
        this.reviews.set(d.reviewId, {
          aiSystemId: d.aiSystemId,
          outputReference: d.outputReference,
          decidedAt: d.decidedAt as string,
          decidedMs,
          reviewer,
          decision: d.decision,
          withdrawn: false,
        });
        return;
      }
      case 'oversight.ReviewCorrected': {
        const r = str(d.reviewId) ? this.reviews.get(d.reviewId) : undefined;
        const at = isoMs(d.correctedAt);
        if (r && str(d.decision) && at !== null && at <= this.asOfMs) r.decision = d.decision;
        return;
      }
      case 'oversight.ReviewWithdrawn': {
        const r = str(d.reviewId) ? this.reviews.get(d.reviewId) : undefined;
        const at = isoMs(d.withdrawnAt);
        if (r && at !== null && at <= this.asOfMs) r.withdrawn = true;
      }
    }
  }

  result(): CoverageFile {
    // Each output's first live review: earliest decidedAt, then earliest in the file.
    const first = new Map<string, Review>();
    for (const r of this.reviews.values()) {
      if (r.withdrawn) continue;
      const key = `${r.aiSystemId}\n${r.outputReference}`;
      const had = first.get(key);
      if (!had || r.decidedMs < had.decidedMs) first.set(key, r);
    }
    const groups = new Map<string, { g: CoverageGroup; ms: number[] }>();
    const rows = this.outputs.map((o): CoverageRow => {
      const groupKey = `${o.aiSystemId}\n${o.modelVersion}`;
      const group = groups.get(groupKey) ?? {
        g: {
          aiSystemId: o.aiSystemId,
          modelVersion: o.modelVersion,
          produced: 0,
          reviewed: 0,
          unreviewed: 0,
          overridden: 0,
          medianMinutesToReview: null,
          p90MinutesToReview: null,
        },
        ms: [],
      };
      groups.set(groupKey, group);
      group.g.produced++;
      const r = first.get(`${o.aiSystemId}\n${o.outputReference}`);
      if (!r) {
        group.g.unreviewed++;
        return { ...o, firstReviewAt: null, reviewer: null, decision: null, minutesToReview: null, status: `not reviewed as of ${this.asOf}` };
      }
      // A review decided before the output's producedAt (clocks apart) counts as immediate.
      const ms = Math.max(0, r.decidedMs - isoMs(o.producedAt)!);
      group.g.reviewed++;
      if (OVERRIDES.has(r.decision)) group.g.overridden++;
      group.ms.push(ms);
      return { ...o, firstReviewAt: r.decidedAt, reviewer: r.reviewer, decision: r.decision, minutesToReview: minutes(ms), status: 'reviewed' };
    });
    const systems = [...groups.values()]
      .sort((a, b) => byUnits(a.g.aiSystemId, b.g.aiSystemId) || byUnits(a.g.modelVersion, b.g.modelVersion))
      .map(({ g, ms }) => {
        ms.sort((a, b) => a - b);
        return { ...g, medianMinutesToReview: rank(ms, 5), p90MinutesToReview: rank(ms, 9) };
      });
    return { asOf: this.asOf, outputs: rows, systems, withheldEvents: this.withheld };
  }

  /** The file's exact bytes: the canonical JSON (B.3) of the result, then LF. */
  bytes(): { file: CoverageFile; text: string } {
    const file = this.result();
    return { file, text: `${canonicalJson(file)}\n` };
  }
}
