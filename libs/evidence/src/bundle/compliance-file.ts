import type { ComplianceView } from '@app/compliance/contract';
import { complianceViewFromEvents } from '@app/compliance/fold';
import type { EventEnvelope } from '@app/event-store/core';
import { canonicalJson } from '../ledger/canonical-json';

/**
 * The compliance file of one AI system as of a moment, in a bundle (issue 23 item 7, ADR 0053,
 * VERIFY.md B.18). The JSON is derived from the bundle's own proven events (the system's stream
 * and its file's stream, those recorded by `asOf`) by the writer and again by the verifier, which
 * compares bytes: like the timeline and coverage, never trusted as given. The PDF is for people.
 */
export const COMPLIANCE_FILE_JSON = 'data/compliance-file.json';
export const COMPLIANCE_FILE_PDF = 'data/compliance-file.pdf';

/** The file's fixed `statement` member (VERIFY.md B.18 quotes it). */
export const COMPLIANCE_FILE_STATEMENT =
  'The compliance file of this AI system as the registry knew it at asOf: folded from the events of ai-system-<id> and compliance-file-<id> in data/events.jsonl recorded at or before asOf (VERIFY.md B.18).';

export interface ComplianceFileExport {
  statement: string;
  aiSystemId: string;
  asOf: string;
  file: ComplianceView;
}

/** Collects the two streams' shown events during the bundle's one pass, then derives the file. */
export class ComplianceFileDeriver {
  private readonly systemEvents: EventEnvelope[] = [];
  private readonly fileEvents: EventEnvelope[] = [];
  /** A line of either stream withheld (B.8): the file cannot be derived from what is shown. */
  withheld = false;

  constructor(
    readonly aiSystemId: string,
    readonly asOf: string,
  ) {}

  event(e: EventEnvelope): void {
    if (e.streamId === `ai-system-${this.aiSystemId}`) this.systemEvents.push(e);
    else if (e.streamId === `compliance-file-${this.aiSystemId}`) this.fileEvents.push(e);
  }

  withheldLine(streamId: string): void {
    if (streamId === `ai-system-${this.aiSystemId}` || streamId === `compliance-file-${this.aiSystemId}`) this.withheld = true;
  }

  /** The file's JSON text, or null when the system was not registered by `asOf`. */
  derive(): { text: string; value: ComplianceFileExport } | null {
    const file = complianceViewFromEvents(this.aiSystemId, this.systemEvents, this.fileEvents, this.asOf);
    if (!file) return null;
    const value: ComplianceFileExport = { statement: COMPLIANCE_FILE_STATEMENT, aiSystemId: this.aiSystemId, asOf: this.asOf, file };
    // RFC 8785 form: the writer's stored events and the verifier's canonical lines differ in key order only.
    return { text: `${canonicalJson(value)}\n`, value };
  }
}

/** The form of `asOf`: UTC to the millisecond, `YYYY-MM-DDTHH:mm:ss.sssZ` (VERIFY.md B.18). */
const AS_OF = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A problem as the verifier reports it (its own type is not imported: no cycle between files). */
type Problems = Array<{ file?: string; problem: string }>;

/** The verifier's side: which system and moment the bundle's file claims, read before the events. */
export function claimedComplianceFile(text: string, aiSystemIds: readonly string[], problems: Problems): ComplianceFileDeriver | null {
  try {
    const v = JSON.parse(text) as Partial<ComplianceFileExport> | null;
    // asOf as the registry writes it (Date#toISOString), so that every reader takes the same moment and day from it.
    const t = typeof v?.asOf === 'string' && AS_OF.test(v.asOf) ? Date.parse(v.asOf) : NaN;
    if (typeof v?.aiSystemId !== 'string' || Number.isNaN(t) || new Date(t).toISOString() !== v.asOf) {
      problems.push({
        file: COMPLIANCE_FILE_JSON,
        problem: 'does not name the AI system (aiSystemId) and the moment (asOf, YYYY-MM-DDTHH:mm:ss.sssZ) of the file (B.18)',
      });
      return null;
    }
    if (!aiSystemIds.includes(v.aiSystemId)) {
      problems.push({ file: COMPLIANCE_FILE_JSON, problem: `AI system ${v.aiSystemId} is not in the scope: its streams need not be whole here` });
      return null;
    }
    return new ComplianceFileDeriver(v.aiSystemId, v.asOf);
  } catch {
    problems.push({ file: COMPLIANCE_FILE_JSON, problem: 'not valid JSON' });
    return null;
  }
}

/** After the pass: the file derived from the proven events must be the bundle's, byte for byte. */
export function checkComplianceFile(deriver: ComplianceFileDeriver, text: string, problems: Problems): void {
  if (deriver.withheld) {
    problems.push({ file: COMPLIANCE_FILE_JSON, problem: "an event of the system's or its file's stream is withheld: the file cannot be derived (B.18)" });
    return;
  }
  const derived = deriver.derive();
  if (!derived)
    problems.push({ file: COMPLIANCE_FILE_JSON, problem: `AI system ${deriver.aiSystemId} was not registered by ${deriver.asOf} in the events shown` });
  else if (derived.text !== text)
    problems.push({ file: COMPLIANCE_FILE_JSON, problem: 'is not the compliance file derived from the proven events (VERIFY.md B.18): it was edited' });
}
