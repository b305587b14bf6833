import type { Coding, Provenance } from '@medplum/fhirtypes';
import { actorReference, deviceReference, patientReference, SYSTEMS } from './codes';

/** What the Provenance mapping needs of a review: the list row or the review folded from its stream. */
export interface ReviewFacts {
  reviewId: string;
  aiSystemId: string;
  modelVersion: string;
  outputReference: string;
  outputSha256: string;
  patientPseudonym: string;
  reviewerSubject: string;
  reviewerRole: string;
  decision: string;
  originalDecision: string;
  seenAt: string;
  decidedAt: string;
  recordedAt: string;
  withdrawn: boolean;
  corrections: number;
}

/** AI Act Art. 14(4)(d): the overseer may "decide … not to use the high-risk AI system or to otherwise disregard, override or reverse the output". */
const DECISIONS: Record<string, { display: string; override: boolean }> = {
  accepted: { display: 'Accepted: the AI output was used as produced', override: false },
  modified: { display: 'Overridden: the AI output was modified', override: true },
  rejected: { display: 'Overridden: the AI output was rejected', override: true },
  escalated: { display: 'Escalated: the AI output was referred for a further decision', override: false },
};

/** SHA-256 digest as an RFC 6920 named-information URI: the reviewed bytes, identified by their hash. */
export function niUri(sha256Hex: string): string {
  return `ni:///sha-256;${Buffer.from(sha256Hex, 'hex').toString('base64url')}`;
}

/**
 * A review as a FHIR Provenance: a clinician (agent, type `verifier`) verified an AI output
 * (target, and entity `source` identified by its SHA-256) that the AI system (Device) produced.
 * The decision is the second coding of `activity`; an override (modified, rejected) says so in its
 * display. A withdrawn review is still served, tagged `withdrawn` (the record of it stays).
 */
export function provenanceOf(r: ReviewFacts): Provenance {
  const decision = DECISIONS[r.decision] ?? { display: r.decision, override: false };
  const activity: Coding[] = [
    { system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'VRF', display: 'verifier' },
    { system: SYSTEMS.reviewDecision, code: r.decision, display: decision.display },
  ];
  const tags: Coding[] = [];
  if (r.withdrawn) tags.push({ system: SYSTEMS.reviewStatus, code: 'withdrawn', display: 'Withdrawn: entered in error' });
  if (r.corrections > 0)
    tags.push({ system: SYSTEMS.reviewStatus, code: 'corrected', display: `Corrected (${r.corrections}); first decision: ${r.originalDecision}` });
  return {
    resourceType: 'Provenance',
    id: r.reviewId,
    ...(tags.length ? { meta: { tag: tags } } : {}),
    // The AI output, and the patient it was about by pseudonym (what the standard `patient` search reads).
    target: [
      { identifier: { system: SYSTEMS.aiOutput, value: r.outputReference }, display: `AI output ${r.outputReference}` },
      patientReference(r.patientPseudonym),
    ],
    // From the moment the output was seen to the decision: the time the review took.
    occurredPeriod: { start: r.seenAt, end: r.decidedAt },
    recorded: r.recordedAt,
    policy: ['https://eur-lex.europa.eu/eli/reg/2024/1689/oj#art_14'],
    activity: { coding: activity, text: decision.override ? `Human oversight: override (${r.decision})` : `Human oversight: ${r.decision}` },
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'verifier', display: 'Verifier' }] },
        role: [{ coding: [{ system: SYSTEMS.role, code: r.reviewerRole }] }],
        who: actorReference(r.reviewerSubject, r.reviewerRole),
      },
    ],
    entity: [
      {
        role: 'source',
        what: {
          identifier: { system: 'urn:ietf:rfc:3986', value: niUri(r.outputSha256) },
          display: `AI output ${r.outputReference}, SHA-256 ${r.outputSha256}`,
        },
        agent: [
          {
            type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author', display: 'Author' }] },
            who: deviceReference(r.aiSystemId, `model version ${r.modelVersion}`),
          },
        ],
      },
    ],
  };
}
