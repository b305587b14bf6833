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
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const sec = Number(m[6] ?? 0);
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
  /** The output's ward as shown (a redaction marker as `[redacted: <ground>]`), or null. */
  ward: string | null;
  firstReviewAt: string | null;
  reviewer: string | null;
  decision: string | null;
  minutesToReview: number | null;
  status: string;
  /** Not reviewed and waiting longer than its system's limit as of asOf; null when that limit is not known from the bundle. */
  overdue: boolean | null;
}

/** The figures of a set of outputs. */
interface CoverageFigures {
  produced: number;
  reviewed: number;
  unreviewed: number;
  overridden: number;
  /** Outputs with `overdue` true; null when any of them has `overdue` null. */
  overdue: number | null;
  medianMinutesToReview: number | null;
  p90MinutesToReview: number | null;
}

/** Figures per AI system and model version, with the system's review limit as of asOf (null: not known from the bundle). */
export interface CoverageGroup extends CoverageFigures {
  aiSystemId: string;
  modelVersion: string;
  limitMinutes: number | null;
}

/** Figures per AI system and ward (all its versions). */
export interface CoverageWard extends CoverageFigures {
  aiSystemId: string;
  ward: string | null;
}

export interface CoverageFile {
  asOf: string;
  outputs: CoverageRow[];
  systems: CoverageGroup[];
  wards: CoverageWard[];
  withheldEvents: number;
}

/** The largest review limit the registry accepts (ai-systems' MAX_OUTPUT_REVIEW_LIMIT_MINUTES: a week). */
const MAX_LIMIT_MINUTES = 7 * 24 * 60;
const AI_SYSTEM_STREAM = 'ai-system-';

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
  private readonly outputs: Array<Omit<CoverageRow, 'firstReviewAt' | 'reviewer' | 'decision' | 'minutesToReview' | 'status' | 'overdue'>> = [];
  /**
   * Reviews by reviewId, as an index into the columns below: a 100,000-event bundle holds as many
   * reviews, and an object per review (with its own copies of the system id, reviewer and decision)
   * was a fifth of the verifier's heap (ADR 0049). Repeated strings are held once (`interned`).
   */
  private readonly reviews = new Map<string, number>();
  private readonly columns = {
    aiSystemId: [] as string[],
    outputReference: [] as string[],
    decidedAt: [] as string[],
    decidedMs: [] as number[],
    reviewer: [] as string[],
    decision: [] as string[],
    withdrawn: [] as boolean[],
  };
  private readonly interned = new Map<string, string>();
  /** Each AI system's review limit as of asOf, from its events; null: not known (unset, reset to the default, hidden). */
  private readonly limits = new Map<string, number | null>();
  private withheld = 0;
  readonly asOf: string;
  private readonly asOfMs: number;

  constructor(treeHeadIssuedAt: string, scopeTo: string | null | undefined) {
    const to = isoMs(scopeTo);
    const head = isoMs(treeHeadIssuedAt);
    this.asOf = to !== null && (head === null || to < head) ? scopeTo! : treeHeadIssuedAt;
    this.asOfMs = isoMs(this.asOf) ?? Number.POSITIVE_INFINITY;
  }

  /** A withheld line: counted; in an AI system's own stream it may have changed the limit, which is then not known. */
  withheldLine(streamId?: unknown): void {
    this.withheld++;
    if (typeof streamId === 'string' && streamId.startsWith(AI_SYSTEM_STREAM)) this.limits.set(streamId.slice(AI_SYSTEM_STREAM.length), null);
  }

  /** One shown (not withheld) line; a hostile one is read member by member. */
  event(e: EventEnvelope): void {
    const d = e.data as Record<string, unknown> | null | undefined;
    if (typeof d !== 'object' || d === null || Array.isArray(d)) return;
    switch (e.type) {
      case 'ai-systems.OutputReviewLimitSet': {
        const at = isoMs(d.setAt);
        if (!str(d.aiSystemId) || at === null || at > this.asOfMs) return;
        const m = d.limitMinutes;
        // null is "back to the registry default", which is configuration, not an event: not known here.
        this.limits.set(d.aiSystemId, typeof m === 'number' && Number.isInteger(m) && m >= 1 && m <= MAX_LIMIT_MINUTES ? m : null);
        return;
      }
      case 'oversight.AiOutputProduced':
        if (str(d.aiSystemId) && str(d.modelVersion) && str(d.outputReference) && isoMs(d.producedAt) !== null)
          this.outputs.push({
            position: e.globalPosition,
            aiSystemId: d.aiSystemId,
            modelVersion: d.modelVersion,
            outputReference: d.outputReference,
            producedAt: d.producedAt as string,
            ward: redactedText(d.ward) ?? (str(d.ward) ? d.ward : null),
          });
        return;
      case 'oversight.AiOutputReviewed': {
        const decidedMs = isoMs(d.decidedAt);
        if (!str(d.reviewId) || this.reviews.has(d.reviewId) || !str(d.aiSystemId) || !str(d.outputReference) || !str(d.decision)) return;
        if (decidedMs === null || decidedMs > this.asOfMs) return;
        const r = d.reviewer as { subject?: unknown } | null | undefined;
        const reviewer = redactedText(r) ?? (typeof r === 'object' && r !== null && str(r.subject) ? r.subject : '');
        const c = this.columns;
        this.reviews.set(d.reviewId, c.decidedMs.length);
        c.aiSystemId.push(this.intern(d.aiSystemId));
        c.outputReference.push(d.outputReference);
        c.decidedAt.push(d.decidedAt as string);
        c.decidedMs.push(decidedMs);
        c.reviewer.push(this.intern(reviewer));
        c.decision.push(this.intern(d.decision));
        c.withdrawn.push(false);
        return;
      }
      case 'oversight.ReviewCorrected': {
        const r = str(d.reviewId) ? this.reviews.get(d.reviewId) : undefined;
        const at = isoMs(d.correctedAt);
        if (r !== undefined && str(d.decision) && at !== null && at <= this.asOfMs) this.columns.decision[r] = this.intern(d.decision);
        return;
      }
      case 'oversight.ReviewWithdrawn': {
        const r = str(d.reviewId) ? this.reviews.get(d.reviewId) : undefined;
        const at = isoMs(d.withdrawnAt);
        if (r !== undefined && at !== null && at <= this.asOfMs) this.columns.withdrawn[r] = true;
      }
    }
  }

  private intern(s: string): string {
    const had = this.interned.get(s);
    if (had !== undefined) return had;
    this.interned.set(s, s);
    return s;
  }

  /** The review at column index `i`, in file order. */
  private review(i: number): Review {
    const c = this.columns;
    return {
      aiSystemId: c.aiSystemId[i],
      outputReference: c.outputReference[i],
      decidedAt: c.decidedAt[i],
      decidedMs: c.decidedMs[i],
      reviewer: c.reviewer[i],
      decision: c.decision[i],
      withdrawn: c.withdrawn[i],
    };
  }

  result(): CoverageFile {
    // Each output's first live review: earliest decidedAt, then earliest in the file. Only the
    // outputs' keys are looked for (a review of an output not in the bundle counts nowhere).
    const c = this.columns;
    const firstAt = new Map<string, number>(this.outputs.map((o) => [`${o.aiSystemId}\n${o.outputReference}`, -1]));
    if (firstAt.size)
      for (const i of this.reviews.values()) {
        if (c.withdrawn[i]) continue;
        const key = `${c.aiSystemId[i]}\n${c.outputReference[i]}`;
        const had = firstAt.get(key);
        if (had !== undefined && (had === -1 || c.decidedMs[i] < c.decidedMs[had])) firstAt.set(key, i);
      }
    const asOfKnown = isoMs(this.asOf) !== null;
    const systems = new Map<string, Tally<{ aiSystemId: string; modelVersion: string; limitMinutes: number | null }>>();
    const wards = new Map<string, Tally<{ aiSystemId: string; ward: string | null }>>();
    const rows = this.outputs.map((o): CoverageRow => {
      const limit = this.limits.get(o.aiSystemId) ?? null;
      const tallies = [
        tally(systems, `${o.aiSystemId}\n${o.modelVersion}`, { aiSystemId: o.aiSystemId, modelVersion: o.modelVersion, limitMinutes: limit }),
        tally(wards, `${o.aiSystemId}\n${o.ward === null ? '' : `=${o.ward}`}`, { aiSystemId: o.aiSystemId, ward: o.ward }),
      ];
      const i = firstAt.get(`${o.aiSystemId}\n${o.outputReference}`)!;
      const r = i === -1 ? undefined : this.review(i);
      if (!r) {
        // Waiting longer than the limit, as the API's alert counts it (strictly more).
        const overdue = limit === null || !asOfKnown ? null : this.asOfMs - isoMs(o.producedAt)! > limit * 60_000;
        for (const t of tallies) t.add(overdue, null, null);
        return { ...o, firstReviewAt: null, reviewer: null, decision: null, minutesToReview: null, status: `not reviewed as of ${this.asOf}`, overdue };
      }
      // A review decided before the output's producedAt (clocks apart) counts as immediate.
      const ms = Math.max(0, r.decidedMs - isoMs(o.producedAt)!);
      for (const t of tallies) t.add(false, ms, r.decision);
      return { ...o, firstReviewAt: r.decidedAt, reviewer: r.reviewer, decision: r.decision, minutesToReview: minutes(ms), status: 'reviewed', overdue: false };
    });
    return {
      asOf: this.asOf,
      outputs: rows,
      systems: [...systems.values()]
        .sort((a, b) => byUnits(a.key.aiSystemId, b.key.aiSystemId) || byUnits(a.key.modelVersion, b.key.modelVersion))
        .map((t) => t.figures()),
      // A ward of null first, then by code units.
      wards: [...wards.values()]
        .sort(
          (a, b) =>
            byUnits(a.key.aiSystemId, b.key.aiSystemId) || byUnits(a.key.ward === null ? '' : `=${a.key.ward}`, b.key.ward === null ? '' : `=${b.key.ward}`),
        )
        .map((t) => t.figures()),
      withheldEvents: this.withheld,
    };
  }

  /** The file's exact bytes: the canonical JSON (B.3) of the result, then LF. */
  bytes(): { file: CoverageFile; text: string } {
    const file = this.result();
    return { file, text: `${canonicalJson(file)}\n` };
  }
}

/** One group's running figures, keyed by what names the group. */
interface Tally<K> {
  key: K;
  add(overdue: boolean | null, ms: number | null, decision: string | null): void;
  figures(): K & CoverageFigures;
}

function tally<K>(groups: Map<string, Tally<K>>, id: string, key: K): Tally<K> {
  const had = groups.get(id);
  if (had) return had;
  const f = { produced: 0, reviewed: 0, unreviewed: 0, overridden: 0, overdue: 0 as number | null };
  const ms: number[] = [];
  const t: Tally<K> = {
    key,
    add(overdue, reviewedMs, decision) {
      f.produced++;
      if (reviewedMs === null) f.unreviewed++;
      else {
        f.reviewed++;
        ms.push(reviewedMs);
        if (OVERRIDES.has(decision!)) f.overridden++;
      }
      f.overdue = overdue === null || f.overdue === null ? null : f.overdue + (overdue ? 1 : 0);
    },
    figures() {
      ms.sort((a, b) => a - b);
      return { ...key, ...f, medianMinutesToReview: rank(ms, 5), p90MinutesToReview: rank(ms, 9) };
    },
  };
  groups.set(id, t);
  return t;
}
