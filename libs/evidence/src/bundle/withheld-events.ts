import { covers } from './field-redaction';
import { groundsOf, type RedactionRule } from './redaction';

interface Problem {
  file?: string;
  line?: number;
  position?: number;
  problem: string;
}

const FILE = 'data/events.jsonl';

/**
 * Withheld events (VERIFY.md B.8): a line `{"$withheld":{"eventId","ground"},"globalPosition",
 * "streamId","streamRevision"}` shows no content, so its leaf hash is taken from proofs.jsonl and it
 * is counted as withheld, never proven. What binds it: the bundle's own redaction decision — the last
 * `disclosure.RedactionsDecided` of the bundle's request in events.jsonl, itself a proven (recomputed)
 * event — must name its eventId, with exactly these grounds. So a clean event cannot be passed off as
 * withheld, nor a made-up one added, nor its grounds changed.
 */
export class WithheldEvents {
  /** eventId → what the line states; only withheld events are kept (a few per bundle). */
  private readonly seen = new Map<string, { ground: string; line: number; position: number }>();
  /** Members shown redacted in leaf-format-2 lines (ADR 0039): each must be named by the decision too. */
  private readonly fields: Array<{ eventId: string; pointer: string; ground: string; line: number; position: number }> = [];
  private decided: Map<string, RedactionRule[]> | null = null;

  constructor(
    private readonly requestId: string | undefined,
    private readonly problems: Problem[],
  ) {}

  /** Whether an event line is a withheld one; a malformed one is a problem (and still withheld). */
  line(ev: Record<string, unknown>, n: number): boolean {
    if (!Object.hasOwn(ev, '$withheld')) return false;
    const w = ev.$withheld as { eventId?: unknown; ground?: unknown } | null;
    const position = ev.globalPosition as number;
    const shape =
      Object.keys(ev).sort().join(',') === '$withheld,globalPosition,streamId,streamRevision' &&
      typeof w === 'object' &&
      w !== null &&
      Object.keys(w).sort().join(',') === 'eventId,ground';
    if (!shape || typeof w.eventId !== 'string' || typeof w.ground !== 'string') {
      this.problems.push({
        file: FILE,
        line: n,
        position,
        problem: 'a withheld event must be exactly {"$withheld":{"eventId","ground"},"globalPosition","streamId","streamRevision"}',
      });
      return true;
    }
    if (this.seen.has(w.eventId)) this.problems.push({ file: FILE, line: n, position, problem: `event ${w.eventId} is withheld twice` });
    this.seen.set(w.eventId, { ground: w.ground, line: n, position });
    return true;
  }

  /** A member of a proven leaf-format-2 line shown redacted at `pointer` (B.8). */
  field(eventId: unknown, pointer: string, ground: string, line: number, position: number): void {
    this.fields.push({ eventId: typeof eventId === 'string' ? eventId : '?', pointer, ground, line, position });
  }

  /** Members shown redacted (leaf format 2). */
  get fieldCount(): number {
    return this.fields.length;
  }

  /** A proven event: the last redaction decision of the bundle's request is the one that counts. */
  proven(ev: Record<string, unknown>): void {
    if (ev.type !== 'disclosure.RedactionsDecided') return;
    const data = ev.data as { requestId?: unknown; redactions?: unknown } | null;
    if (!data || data.requestId !== this.requestId || !Array.isArray(data.redactions)) return;
    const byEvent = new Map<string, RedactionRule[]>();
    for (const r of data.redactions as RedactionRule[]) {
      if (typeof r?.eventId !== 'string' || typeof r.ground !== 'string') continue;
      byEvent.set(r.eventId, [...(byEvent.get(r.eventId) ?? []), r]);
    }
    this.decided = byEvent;
  }

  get count(): number {
    return this.seen.size;
  }

  finish(): void {
    for (const [eventId, w] of this.seen) {
      const rules = this.decided?.get(eventId);
      const ground = rules && groundsOf(rules);
      if (ground === undefined) {
        this.problems.push({
          file: FILE,
          line: w.line,
          position: w.position,
          problem: `event ${eventId} is withheld, but the bundle's redaction decision (disclosure.RedactionsDecided of request ${this.requestId ?? '?'}) does not name it`,
        });
      } else if (ground !== w.ground) {
        this.problems.push({
          file: FILE,
          line: w.line,
          position: w.position,
          problem: `event ${eventId} is withheld on "${w.ground}", the redaction decision says "${ground}"`,
        });
      }
    }
    for (const f of this.fields) {
      // The rules for this member: at its pointer or under it (the writer redacts the committed member that holds the path).
      const rules = (this.decided?.get(f.eventId) ?? []).filter((r) => typeof r.path === 'string' && covers(f.pointer, r.path));
      const where = { file: FILE, line: f.line, position: f.position };
      if (rules.length === 0) {
        this.problems.push({
          ...where,
          problem: `${f.pointer} of event ${f.eventId} is shown redacted, but the bundle's redaction decision (disclosure.RedactionsDecided of request ${this.requestId ?? '?'}) does not name it`,
        });
      } else if (groundsOf(rules) !== f.ground) {
        this.problems.push({
          ...where,
          problem: `${f.pointer} of event ${f.eventId} is redacted on "${f.ground}", the redaction decision says "${groundsOf(rules)}"`,
        });
      }
    }
  }
}
