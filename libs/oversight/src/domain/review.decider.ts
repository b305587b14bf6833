import { type Actor, type Decider, DomainError } from '@app/event-store/core';
import type { EncryptedText } from '@app/event-store/core';
import type { CorrectReview, IncidentSnapshot, LinkReviewToIncident, RecordReview, ReviewCommand, WithdrawReview } from './review.commands';
import type { AiOutputReviewedData, ReviewCompetence, ReviewDecision, ReviewEvent } from './review.events';

/**
 * A review as its events left it: the fields it was recorded with (derived from the event, not
 * restated), where `decision` and `reason` are the last correction's, else the original's.
 */
export type RecordedReview = Omit<AiOutputReviewedData, 'incidentId'> & {
  exists: true;
  /** The decision as first recorded, before any correction. */
  originalDecision: ReviewDecision;
  withdrawn: boolean;
  incidentIds: string[];
  /** How many times the review was corrected. */
  corrections: number;
};

type AlwaysPresent = 'exists' | 'withdrawn' | 'incidentIds' | 'corrections';

/** Same keys as a recorded review, so readers need no narrowing for the flags and counts. */
export type UnrecordedReview = {
  exists: false;
  withdrawn: false;
  incidentIds: string[];
  corrections: 0;
} & { [K in Exclude<keyof RecordedReview, AlwaysPresent>]: null };

export type ReviewState = UnrecordedReview | RecordedReview;

export const initialReviewState = (): ReviewState => ({
  exists: false,
  reviewId: null,
  aiSystemId: null,
  modelVersion: null,
  outputReference: null,
  outputSha256: null,
  patientPseudonym: null,
  reviewer: null,
  originalDecision: null,
  decision: null,
  reason: null,
  seenAt: null,
  decidedAt: null,
  withdrawn: false,
  incidentIds: [],
  corrections: 0,
  competence: null,
});

/** Tolerated clock difference between the reviewer's workstation and the registry. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Besides the reviewer, only quality management may correct or withdraw a review. */
const REVIEW_STEWARD_ROLE = 'quality-manager';

function decide(command: ReviewCommand, state: ReviewState): ReviewEvent[] {
  if (command.type === 'RecordReview') return record(command, state);
  if (!state.exists) {
    throw new DomainError('review-not-found', `Review ${command.reviewId} does not exist.`, 404);
  }
  switch (command.type) {
    case 'CorrectReview':
      return correct(command, state);
    case 'WithdrawReview':
      return withdraw(command, state);
    case 'LinkReviewToIncident':
      return link(command, state);
  }
}

function record(command: RecordReview, state: ReviewState): ReviewEvent[] {
  if (state.exists) {
    throw new DomainError('review-exists', `Review ${command.reviewId} is already recorded.`, 409);
  }
  const { system } = command;
  if (!system.exists) {
    throw new DomainError('ai-system-not-found', `AI system ${command.aiSystemId} is not registered.`, 404, 'aiSystemId');
  }
  if (command.incidentId !== null) incidentMustBeVisible(command.incident, command.reviewer);
  const systemName = system.name ?? command.aiSystemId;
  if (system.status === 'suspended') {
    throw new DomainError('ai-system-suspended', `Use of AI system ${systemName} is suspended; reviews cannot be recorded.`, 409);
  }
  // AI Act Art. 5(1): "The following AI practices shall be prohibited: … the use of an AI system
  // that …" (applies from 2 February 2025, Art. 113(a)). Refused like a suspended system.
  if (command.compliance.prohibited) {
    throw new DomainError(
      'ai-system-prohibited',
      `AI system ${systemName} is ${command.compliance.prohibited}; its use is prohibited (AI Act Art. 5) and reviews cannot be recorded.`,
      409,
    );
  }
  if (!system.knownVersions.includes(command.modelVersion)) {
    throw new DomainError('unknown-model-version', `Version ${command.modelVersion} was never deployed for AI system ${systemName}.`, 422, 'modelVersion');
  }
  if (!SHA256_HEX.test(command.outputSha256)) {
    throw new DomainError('invalid-output-sha256', 'outputSha256 must be a SHA-256 digest: 64 lowercase hexadecimal characters.', 400, 'outputSha256');
  }
  const reason = reasonFor(command.decision, command);
  checkDecisionTime(command);
  const competence = competenceOf(command);
  return [
    {
      type: 'oversight.AiOutputReviewed',
      // Fields are listed one by one so nothing unexpected on the command lands in the ledger.
      data: {
        reviewId: command.reviewId,
        aiSystemId: command.aiSystemId,
        modelVersion: command.modelVersion,
        outputReference: command.outputReference,
        outputSha256: command.outputSha256,
        patientPseudonym: command.patientPseudonym,
        reviewer: actor(command.reviewer),
        decision: command.decision,
        reason,
        seenAt: command.seenAt,
        decidedAt: command.decidedAt,
        incidentId: command.incidentId,
        ...(competence === null ? {} : { competence }),
      },
    },
  ];
}

/**
 * AI Act Art. 26(2): "Deployers shall assign human oversight to natural persons who have the
 * necessary competence, training and authority, as well as the necessary support." Checked at the
 * decision time against the system's competence records once the system has a policy: `refuse`
 * refuses, `flag` records the review marked `not-authorised`; without a policy, nothing is checked.
 */
function competenceOf(command: RecordReview): ReviewCompetence | null {
  const { competencePolicy, reviewerAuthorisations } = command.compliance;
  if (competencePolicy === 'not-checked') return null;
  const t = Date.parse(command.decidedAt);
  // A withdrawal ends authority at its instant; an expiry only after it (as the compliance file shows it).
  const authorised = reviewerAuthorisations.some(
    (a) => Date.parse(a.from) <= t && (a.until === null || (a.endsAtWithdrawal ? t < Date.parse(a.until) : t <= Date.parse(a.until))),
  );
  if (authorised) return 'authorised';
  if (competencePolicy === 'refuse') {
    throw new DomainError(
      'reviewer-not-authorised',
      `${command.reviewer.subject} held no current competence record to oversee this AI system at ${command.decidedAt} (AI Act Art. 26(2)); the review is refused.`,
      403,
    );
  }
  return 'not-authorised';
}

function correct(command: CorrectReview, state: RecordedReview): ReviewEvent[] {
  mayAmend(command.correctedBy, state, 'correct');
  notWithdrawn(state);
  return [
    {
      type: 'oversight.ReviewCorrected',
      data: {
        reviewId: state.reviewId,
        decision: command.decision,
        reason: reasonFor(command.decision, command),
        correctionNote: command.correctionNote,
        correctedBy: actor(command.correctedBy),
        correctedAt: command.now,
      },
    },
  ];
}

function withdraw(command: WithdrawReview, state: RecordedReview): ReviewEvent[] {
  mayAmend(command.withdrawnBy, state, 'withdraw');
  notWithdrawn(state);
  if (!command.hasReason || !command.reason) {
    throw new DomainError('reason-required', 'Withdrawing a review requires a reason.', 400, 'reason');
  }
  return [
    {
      type: 'oversight.ReviewWithdrawn',
      data: {
        reviewId: state.reviewId,
        reason: command.reason,
        withdrawnBy: actor(command.withdrawnBy),
        withdrawnAt: command.now,
      },
    },
  ];
}

function link(command: LinkReviewToIncident, state: RecordedReview): ReviewEvent[] {
  mayAmend(command.linkedBy, state, 'link');
  notWithdrawn(state);
  incidentMustBeVisible(command.incident, command.linkedBy);
  if (state.incidentIds.includes(command.incidentId)) {
    throw new DomainError('already-linked', `Review ${state.reviewId} is already linked to incident ${command.incidentId}.`, 409);
  }
  return [
    {
      type: 'oversight.ReviewLinkedToIncident',
      data: {
        reviewId: state.reviewId,
        incidentId: command.incidentId,
        linkedBy: actor(command.linkedBy),
        linkedAt: command.now,
      },
    },
  ];
}

/**
 * Anything but acceptance departs from the AI output, and oversight must say why.
 * An acceptance may carry a reason too; a reason the edge marked blank is dropped.
 */
function reasonFor(decision: ReviewDecision, command: { reason: EncryptedText | null; hasReason: boolean }): EncryptedText | null {
  const reason = command.hasReason ? command.reason : null;
  if (decision !== 'accepted' && !reason) {
    throw new DomainError('reason-required', `A decision of "${decision}" requires a reason.`, 400, 'reason');
  }
  return reason;
}

function checkDecisionTime(command: RecordReview): void {
  const seenAt = instant(command.seenAt, 'seenAt');
  const decidedAt = instant(command.decidedAt, 'decidedAt');
  const now = instant(command.now, 'now');
  if (decidedAt < seenAt) {
    throw new DomainError('decided-before-seen', 'decidedAt is before seenAt: a decision cannot precede seeing the output.', 400, 'decidedAt');
  }
  if (decidedAt > now + MAX_CLOCK_SKEW_MS) {
    throw new DomainError('decided-in-future', 'decidedAt is in the future.', 400, 'decidedAt');
  }
}

function instant(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new DomainError('invalid-timestamp', `${field} is not an ISO 8601 date-time.`, 400, field);
  }
  return ms;
}

function mayAmend(by: Actor, state: RecordedReview, action: string): void {
  if (by.subject !== state.reviewer.subject && by.role !== REVIEW_STEWARD_ROLE) {
    throw new DomainError('not-your-review', `Only the reviewer or a quality manager may ${action} review ${state.reviewId}.`, 403);
  }
}

/**
 * A clinician sees only the incidents they reported (the incidents API answers 404 for the
 * others), so linking to any other is refused exactly like an unknown id: the same answer,
 * without the id, leaves nothing to learn about which incident ids exist.
 */
function incidentMustBeVisible(incident: IncidentSnapshot | null, by: Actor): void {
  const visible = incident !== null && (by.role !== 'clinician' || incident.reportedBy.subject === by.subject);
  if (!visible) throw new DomainError('incident-not-found', 'No incident with this id', 404, 'incidentId');
}

function notWithdrawn(state: RecordedReview): void {
  if (state.withdrawn) {
    throw new DomainError('review-withdrawn', `Review ${state.reviewId} has been withdrawn.`, 409);
  }
}

/** Copies just subject and role, whatever else the caller's principal carries. */
const actor = (a: Actor): Actor => ({ subject: a.subject, role: a.role });

function evolve(state: ReviewState, event: ReviewEvent): ReviewState {
  if (event.type === 'oversight.AiOutputReviewed') return recorded(event.data);
  // Later events only follow a recorded review; anything else is not this stream's history.
  if (!state.exists) return state;
  switch (event.type) {
    case 'oversight.ReviewCorrected':
      return {
        ...state,
        decision: event.data.decision,
        reason: event.data.reason,
        corrections: state.corrections + 1,
      };
    case 'oversight.ReviewWithdrawn':
      return { ...state, withdrawn: true };
    case 'oversight.ReviewLinkedToIncident':
      return state.incidentIds.includes(event.data.incidentId) ? state : { ...state, incidentIds: [...state.incidentIds, event.data.incidentId] };
    default:
      // Event types added later are ignored by older code rather than breaking the fold.
      return state;
  }
}

function recorded({ incidentId, ...data }: AiOutputReviewedData): RecordedReview {
  return { ...data, exists: true, originalDecision: data.decision, withdrawn: false, incidentIds: incidentId ? [incidentId] : [], corrections: 0 };
}

export const reviewDecider: Decider<ReviewState, ReviewCommand, ReviewEvent> = {
  initialState: initialReviewState,
  decide,
  evolve,
};
