/**
 * What a legal hold covers. Logs are indexed by AI system and time, not by patient, incident or
 * disclosure request, so those identifiers record why the hold exists but cannot narrow it:
 * a hold covers every artefact of its systems (all systems when none is named) whose period
 * overlaps its window (all time when none is given). Holding too much is the safe side.
 */
export interface HoldScope {
  aiSystemIds: string[];
  patientPseudonyms: string[];
  incidentIds: string[];
  disclosureRequestIds: string[];
  /** Window of the period covered by the logs, inclusive; null = open. */
  from: string | null;
  to: string | null;
}

export interface CoverableArtefact {
  aiSystemId: string;
  periodFrom: string;
  periodTo: string;
}

export function scopeIsEmpty(scope: HoldScope): boolean {
  return (
    scope.aiSystemIds.length === 0 &&
    scope.patientPseudonyms.length === 0 &&
    scope.incidentIds.length === 0 &&
    scope.disclosureRequestIds.length === 0 &&
    scope.from === null &&
    scope.to === null
  );
}

export function holdCovers(scope: HoldScope, artefact: CoverableArtefact): boolean {
  if (scope.aiSystemIds.length > 0 && !scope.aiSystemIds.includes(artefact.aiSystemId)) return false;
  if (scope.from !== null && artefact.periodTo < scope.from) return false;
  if (scope.to !== null && artefact.periodFrom > scope.to) return false;
  return true;
}
