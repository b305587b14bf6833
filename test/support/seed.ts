import { v7 as uuidv7 } from 'uuid';
import type { EventStore } from '@app/event-store';

const DECISIONS = ['accepted', 'modified', 'rejected', 'escalated'] as const;
const fakeCipher = (i: number) => ({ enc: 'aes-256-gcm', kid: `dk-seed${i % 50}`, iv: 'AAAAAAAAAAAAAAAA', ct: `c2VlZC0${i}` });

/**
 * The events of the i-th seeded review, as its decider would have written them: every 5th is
 * corrected, every 11th withdrawn, every 13th linked to an incident. Shared with bench/.
 */
/** The registration of a seeded AI system, as `ai-systems.AiSystemRegistered` data (seeds, benchmarks). */
export function seededSystemData(aiSystemId: string, name: string) {
  return {
    aiSystemId,
    name,
    supplier: { name: 'Acme', incidentContactEmail: null },
    version: '1.0',
    intendedPurpose: 'test',
    aiActRiskClass: 'high',
    mdrClass: 'IIa',
    inHouseDevice: false,
    ifuVersion: null,
    oversightPersons: [],
    ceMarking: null,
    udiDi: null,
    registeredAt: '2026-01-01T00:00:00.000Z',
  };
}

export function reviewStream(i: number, systems: string[]) {
  const reviewId = uuidv7();
  const month = String((i % 12) + 1).padStart(2, '0');
  const reviewer = { subject: `clinician-${i % 17}`, role: 'clinician' };
  const events: Array<{ type: string; data: Record<string, unknown> }> = [
    {
      type: 'oversight.AiOutputReviewed',
      data: {
        reviewId,
        aiSystemId: systems[i % systems.length],
        modelVersion: '1.0',
        outputReference: `ref-${i}`,
        outputSha256: 'a'.repeat(64),
        patientPseudonym: `p-${String(i % 997).padStart(32, '0')}`,
        reviewer,
        decision: DECISIONS[i % 4],
        reason: i % 4 === 0 ? null : fakeCipher(i),
        seenAt: `2026-${month}-10T10:00:00.000Z`,
        decidedAt: `2026-${month}-10T10:00:30.000Z`,
        incidentId: null,
      },
    },
  ];
  if (i % 5 === 0) {
    events.push({
      type: 'oversight.ReviewCorrected',
      data: {
        reviewId,
        decision: DECISIONS[(i + 1) % 4],
        reason: fakeCipher(i + 1),
        correctionNote: null,
        correctedBy: reviewer,
        correctedAt: `2026-${month}-11T10:00:00.000Z`,
      },
    });
  }
  if (i % 11 === 0) {
    events.push({
      type: 'oversight.ReviewWithdrawn',
      data: { reviewId, reason: fakeCipher(i + 2), withdrawnBy: reviewer, withdrawnAt: `2026-${month}-12T10:00:00.000Z` },
    });
  }
  if (i % 13 === 0) {
    events.push({
      type: 'oversight.ReviewLinkedToIncident',
      data: { reviewId, incidentId: uuidv7(), linkedBy: reviewer, linkedAt: `2026-${month}-13T10:00:00.000Z` },
    });
  }
  return { reviewId, reviewer, events };
}

/**
 * Writes domain-shaped events straight to the store (as the deciders would), for tests that
 * need a large log fast: AI systems, reviews across months, and some corrections/withdrawals.
 */
export async function seedReviews(store: EventStore, reviews: number, options: { systems?: number } = {}) {
  const systems = Array.from({ length: options.systems ?? 3 }, () => uuidv7());
  const actor = { subject: 'seed-admin', role: 'admin' };
  for (const [n, id] of systems.entries()) {
    await store.append(
      `ai-system-${id}`,
      [
        {
          type: 'ai-systems.AiSystemRegistered',
          data: seededSystemData(id, `System ${n}`),
        },
      ],
      { expectedRevision: 'no_stream', metadata: { actor } },
    );
  }
  const ids: string[] = [];
  for (let i = 0; i < reviews; i++) {
    const { reviewId, reviewer, events } = reviewStream(i, systems);
    ids.push(reviewId);
    await store.append(`review-${reviewId}`, events, { expectedRevision: 'no_stream', metadata: { actor: reviewer } });
  }
  return { systems, reviews: ids };
}
