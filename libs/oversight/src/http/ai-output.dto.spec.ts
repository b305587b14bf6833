import 'reflect-metadata';
import { instanceToPlain, plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import fc from 'fast-check';
import { PRECHECKED } from '@app/platform';
import { PostAiOutputsDto } from './ai-output.dto';

/** class-validator and class-transformer as the global pipe runs them (libs/platform/src/validation.ts). */
async function decorators(body: unknown): Promise<{ ok: boolean; value: unknown }> {
  // Not an object: Nest's pipe refuses it before class-validator (and class-validator throws).
  if (typeof body !== 'object' || body === null) return { ok: false, value: body };
  const instance = plainToInstance(PostAiOutputsDto, body);
  const errors = await validate(instance as object, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true });
  return { ok: errors.length === 0, value: instanceToPlain(instance) };
}

const valid = {
  aiSystemId: '0b5e3f1c-4a7d-4e2b-9c1d-2f3a4b5c6d7e',
  modelVersion: '2.3.1',
  outputReference: 'pacs://studies/1.2.840.1/ai-report',
  outputSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  patientId: 'NL-123456',
  producedAt: '2026-12-07T06:00:00.000Z',
  urgency: 'urgent',
  summary: 'Suspected pneumothorax',
  ward: 'ICU-2',
};

/** Per field: good values, values at and past every limit, wrong types, null, absent. */
const FIELD_VALUES: Record<string, unknown[]> = {
  aiSystemId: [
    valid.aiSystemId,
    valid.aiSystemId.toUpperCase(),
    '00000000-0000-0000-0000-000000000000',
    '0b5e3f1c-4a7d-9e2b-9c1d-2f3a4b5c6d7e',
    'not-a-uuid',
    '',
    7,
    null,
  ],
  modelVersion: ['2.3.1', 'x'.repeat(100), 'x'.repeat(101), '😀'.repeat(50), '😀'.repeat(51), '', ' ', 3, null],
  outputReference: ['pacs://a', 'r'.repeat(500), 'r'.repeat(501), '', ['a'], null],
  outputSha256: [valid.outputSha256, valid.outputSha256.toUpperCase(), valid.outputSha256.slice(1), `${valid.outputSha256}0`, 42, null],
  patientId: ['NL-1', 'p'.repeat(128), 'p'.repeat(129), '', {}, null],
  producedAt: [
    valid.producedAt,
    '2026-12-07T06:00:00Z',
    '2026-12-07T06:00:00+01:00',
    '2026-12-07 06:00:00Z',
    '2026-02-30T06:00:00Z',
    '2026-12-07',
    'yesterday',
    1733551200000,
    null,
  ],
  urgency: ['routine', 'urgent', 'critical', 'URGENT', '', 1, null],
  summary: ['', 'short', 's'.repeat(280), 's'.repeat(281), '😀'.repeat(140), '😀'.repeat(141), 5, null],
  ward: ['ICU-2', 'A', 'w'.repeat(32), 'w'.repeat(33), '-ICU', 'ICU 2', '', null],
};

const ABSENT = Symbol('absent');
/** A valid output with none, one or two of its fields replaced by another value or left out. */
const output = fc
  .array(
    fc.constantFrom(...Object.keys(FIELD_VALUES)).chain((field) => fc.tuple(fc.constant(field), fc.constantFrom<unknown>(...FIELD_VALUES[field], ABSENT))),
    { maxLength: 2 },
  )
  .map((changes) => {
    const o: Record<string, unknown> = { ...valid };
    for (const [field, value] of changes) {
      if (value === ABSENT) delete o[field];
      else o[field] = value;
    }
    return o;
  });
/** Now and then a field the DTO does not have. */
const withExtra = fc
  .tuple(output, fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('patientName', 'unknown') }))
  .map(([o, extra]) => (extra ? { ...o, [extra]: 'x' } : o));
const body = fc.oneof(
  { weight: 10, arbitrary: fc.record({ outputs: fc.array(withExtra, { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.constantFrom({}, { outputs: [] }, { outputs: {} }, { outputs: [null] }, { outputs: ['x'] }, [], null, 'x') },
  { weight: 1, arbitrary: fc.record({ outputs: fc.array(withExtra, { minLength: 1, maxLength: 2 }), extra: fc.constant(1) }) },
);

describe('PostAiOutputsDto[PRECHECKED]: the feed batch checked by hand', () => {
  it('accepts a body only when the decorators accept it, and hands on the same values', async () => {
    const seen = { both: 0, neither: 0, onlyDecorators: 0 };
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const fast = PostAiOutputsDto[PRECHECKED](b);
        const slow = await decorators(b);
        if (fast) {
          expect(slow.ok).toBe(true);
          expect(fast).toBeInstanceOf(PostAiOutputsDto);
          expect(instanceToPlain(fast)).toEqual(slow.value);
          seen.both++;
        } else if (slow.ok) {
          seen.onlyDecorators++;
        } else {
          seen.neither++;
        }
      }),
      { numRuns: 2000, seed: 25 },
    );
    // The property means something only if both answers came up often.
    expect(seen.both).toBeGreaterThan(100);
    expect(seen.neither).toBeGreaterThan(100);
  });

  it('1,000 outputs are accepted and 1,001 are left to the decorators', () => {
    expect(PostAiOutputsDto[PRECHECKED]({ outputs: Array.from({ length: 1000 }, () => valid) })?.outputs).toHaveLength(1000);
    expect(PostAiOutputsDto[PRECHECKED]({ outputs: Array.from({ length: 1001 }, () => valid) })).toBeUndefined();
  });
});
