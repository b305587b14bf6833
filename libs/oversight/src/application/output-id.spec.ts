import { randomBytes } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { outputIdOf } from './output-id';

// ADR 0048: the output id written out must be exactly the UUID v5 it always was, or a review
// would no longer find its output and a re-posted output would land on a new stream.
describe('outputIdOf', () => {
  const namespace = '6f3c1e0a-2b47-4d8e-9a51-0c7d25e4b913';
  const reference = (systemId: string, ref: string) => uuidv5(`${systemId.toLowerCase()}\n${ref}`, namespace);

  it('is the UUID v5 of "<aiSystemId lower-cased>\\n<outputReference>" for fixed, non-ASCII and random names', () => {
    const cases: [string, string][] = [
      ['0b6a3f2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b', 'pacs://studies/1.2.840.1/ai-report'],
      ['0B6A3F2E-1C4D-4E5F-8A9B-0C1D2E3F4A5B', 'pacs://studies/1.2.840.1/ai-report'],
      ['sys', ''],
      ['sys', 'verslag – ë 😀 \u0000 end'],
    ];
    for (let i = 0; i < 500; i++) cases.push([randomBytes(8).toString('hex'), randomBytes(1 + (i % 60)).toString('latin1')]);
    for (const [systemId, ref] of cases) expect(outputIdOf(systemId, ref)).toBe(reference(systemId, ref));
  });

  it('keeps the id a known output already has (fixed value)', () => {
    expect(outputIdOf('0b6a3f2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b', 'pacs://studies/1.2.840.1/ai-report')).toBe('0dc2339f-6711-570b-85c8-879000d5a5ad');
    expect(outputIdOf('sys', 'ref')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
