import { failureMessage } from './failure-message';

describe('failureMessage (what /health, the CLI and the log may show of a projection error)', () => {
  it.each([
    ['invalid byte sequence for encoding "UTF8": 0x00', 'invalid byte sequence for encoding "UTF8": 0x00'],
    [
      'null value in column "supplierName" of relation "rm_ai_systems" violates not-null constraint',
      'null value in column "supplierName" of relation "rm_ai_systems" violates not-null constraint',
    ],
    ['NOT NULL constraint failed: rm_ai_systems.supplierName', 'NOT NULL constraint failed: rm_ai_systems.supplierName'],
    ['invalid input syntax for type integer: "Jansen"', 'invalid input syntax for type integer: "…"'],
    ['value "NL-123456" is out of range for type integer', 'value "…" is out of range for type integer'],
    ['Key (patient)=(NL-123456) already exists.', 'Key (patient)=(…) already exists.'],
    [`Unexpected token 'J', "Jansen, Anna" is not valid JSON`, `Unexpected token '…', "…" is not valid JSON`],
    // A quoted value that looks like a name, but after no keyword that introduces one.
    ['cannot apply note "Alice" of review', 'cannot apply note "…" of review'],
    ['line one\nline "two"\u0000three', 'line one line "…" three'],
  ])('%j → %j', (message, shown) => {
    expect(failureMessage(new Error(message))).toBe(shown);
  });

  it('cuts a value quoted after a keyword when it is not name-like, and truncates to 300 characters', () => {
    expect(failureMessage(new Error('column "a value, with: punctuation!" is odd'))).toBe('column "…" is odd');
    const long = failureMessage(new Error('x'.repeat(1000)));
    expect(long).toHaveLength(300);
    expect(long.endsWith('…')).toBe(true);
  });

  it('accepts what is not an Error', () => {
    expect(failureMessage('plain "secret" text')).toBe('plain "…" text');
  });
});
