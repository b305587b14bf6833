import { DeciderSpecification } from '@app/event-store/testing';
import { type AiOutputProduced, aiOutputDecider, type RecordAiOutput } from './index';

const aiSystemId = '0193a1b2-0000-7000-8000-000000000001';
const otherSystemId = '0193a1b2-0000-7000-8000-000000000002';
const now = '2026-11-23T10:03:00.000Z';
const feed = { subject: 'pacs-bridge', role: 'ai-system' };
const system = { exists: true, status: 'active' as const, knownVersions: ['2.2.0'], name: 'LungNodule Detect' };

const command = (more: Partial<RecordAiOutput> = {}): RecordAiOutput => ({
  type: 'RecordAiOutput',
  outputId: '5f0e6a53-0000-5000-8000-000000000001',
  aiSystemId,
  modelVersion: '2.2.0',
  outputReference: 'pacs://study/1/ai',
  outputSha256: 'a'.repeat(64),
  patientPseudonym: 'p-9f86d081884c7d65',
  producedAt: '2026-11-23T10:00:00.000Z',
  urgency: 'urgent',
  summary: null,
  ward: null,
  postedBy: feed,
  boundAiSystemId: aiSystemId,
  system,
  now,
  ...more,
});

const { type: _t, boundAiSystemId: _b, system: _s, now: _n, ...data } = command();
const produced: AiOutputProduced = { type: 'oversight.AiOutputProduced', data };

const given = DeciderSpecification.for(aiOutputDecider);

describe('AI output decider', () => {
  it('records a new output of the bound system, field by field', () => {
    given([])
      .when({ ...command(), extra: 'dropped' } as RecordAiOutput)
      .then([produced]);
  });

  it('carries the ward the output is for, and refuses a ward that is not a short code (400 naming ward)', () => {
    given([])
      .when(command({ ward: 'ICU-2' }))
      .then([{ ...produced, data: { ...produced.data, ward: 'ICU-2' } }]);
    given([])
      .when(command({ ward: 'ward 3, bed 12 (Mrs Jansen)' }))
      .thenThrows({ code: 'invalid-ward', status: 400, field: 'ward' });
  });

  it("carries the AI's finding when the feed gives one (monitoring's sensitivity/specificity, ADR 0052), and refuses another value (400 naming aiFinding)", () => {
    given([])
      .when(command({ aiFinding: 'positive' }))
      .then([{ ...produced, data: { ...produced.data, aiFinding: 'positive' } }]);
    given([])
      .when(command({ aiFinding: 'maybe' as 'positive' }))
      .thenThrows({ code: 'invalid-ai-finding', status: 400, field: 'aiFinding' });
  });

  it('decides nothing for the same output posted again (a replayed batch is not duplicated)', () => {
    given([produced]).when(command()).then([]);
  });

  it('refuses another digest under a recorded reference (409 naming outputSha256)', () => {
    given([produced])
      .when(command({ outputSha256: 'b'.repeat(64) }))
      .thenThrows({ code: 'output-digest-conflict', status: 409, field: 'outputSha256' });
  });

  it('refuses an output of another system than the token is bound to (403)', () => {
    given([])
      .when(command({ aiSystemId: otherSystemId }))
      .thenThrows({ code: 'not-your-ai-system', status: 403, field: 'aiSystemId' });
  });

  it('refuses an unknown system, an undeployed version, a bad digest and a future producedAt', () => {
    given([])
      .when(command({ system: { ...system, exists: false } }))
      .thenThrows({ code: 'ai-system-not-found', status: 404, field: 'aiSystemId' });
    given([])
      .when(command({ modelVersion: '9.9.9' }))
      .thenThrows({ code: 'unknown-model-version', status: 422, field: 'modelVersion' });
    given([])
      .when(command({ outputSha256: 'A'.repeat(64) }))
      .thenThrows({ code: 'invalid-output-sha256', status: 400, field: 'outputSha256' });
    given([])
      .when(command({ producedAt: '2026-11-23T11:00:00.000Z' }))
      .thenThrows({ code: 'produced-in-future', status: 400, field: 'producedAt' });
  });

  it('records outputs of a suspended system: that it produced any is evidence', () => {
    given([])
      .when(command({ system: { ...system, status: 'suspended' } }))
      .then([produced]);
  });
});
