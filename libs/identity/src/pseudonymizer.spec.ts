import { randomBytes } from 'node:crypto';
import { isPseudonym, normalisePatientId, PSEUDONYM_IN_TEXT, PSEUDONYM_PATTERN, Pseudonymizer } from './pseudonymizer';

describe('Pseudonymizer', () => {
  const key = randomBytes(32);
  const p = new Pseudonymizer(key);

  it('gives the same pseudonym for the same id, in the documented format', () => {
    const a = p.pseudonymise('NL123456');
    expect(a).toBe(p.pseudonymise('NL123456'));
    // Written out here on purpose: the documented format, pinned apart from PSEUDONYM_PATTERN.
    expect(a).toMatch(/^p-[A-Za-z0-9_-]{32}$/);
    expect(isPseudonym(a)).toBe(true);
    expect(a).not.toContain('123456');
  });

  it('has one pattern for a pseudonym: p- and 32 base64url characters, whole or inside a text', () => {
    const a = p.pseudonymise('NL123456');
    expect(a).toMatch(PSEUDONYM_PATTERN);
    for (const near of [a.slice(0, -1), `${a}x`, `q${a.slice(1)}`, `${a.slice(0, -1)}+`, `${a.slice(0, -1)}=`, ` ${a}`]) {
      expect({ near, matches: PSEUDONYM_PATTERN.test(near) }).toEqual({ near, matches: false });
    }
    expect(`mail to counsel about ${a}.`).toMatch(PSEUDONYM_IN_TEXT);
    expect('mail to counsel about p-short.').not.toMatch(PSEUDONYM_IN_TEXT);
  });

  it('normalises case, spaces and dashes', () => {
    const expected = p.pseudonymise('NL123456');
    for (const variant of ['nl-123 456', '  nl123456 ', 'NL-123-456', 'n l 1 2 3 4 5 6', 'nl\t123456', 'ＮＬ１２３４５６']) {
      expect(p.pseudonymise(variant)).toBe(expected);
    }
    expect(normalisePatientId(' nl-123 456 ')).toBe('NL123456');
    expect(p.pseudonymise('NL123457')).not.toBe(expected);
  });

  it('gives a different pseudonym under a different key', () => {
    expect(new Pseudonymizer(randomBytes(32)).pseudonymise('NL123456')).not.toBe(p.pseudonymise('NL123456'));
  });

  it('rejects empty and over-long ids with a TypeError that does not echo the id', () => {
    for (const bad of ['', '   ', ' - - ']) expect(() => p.pseudonymise(bad)).toThrow(TypeError);
    const long = 'SECRET' + 'A'.repeat(123);
    expect(long).toHaveLength(129);
    expect(() => p.pseudonymise(long)).toThrow(TypeError);
    try {
      p.pseudonymise(long);
    } catch (err) {
      expect((err as Error).message).not.toContain('SECRET');
    }
    expect(p.pseudonymise('A'.repeat(128))).toMatch(/^p-/);
    expect(() => p.pseudonymise(undefined as unknown as string)).toThrow(TypeError);
  });

  it('rejects a short key', () => {
    expect(() => new Pseudonymizer(randomBytes(16))).toThrow(TypeError);
  });

  it('isPseudonym checks the format', () => {
    expect(isPseudonym('p-' + 'a'.repeat(32))).toBe(true);
    expect(isPseudonym('p-' + 'a'.repeat(31))).toBe(false);
    expect(isPseudonym('q-' + 'a'.repeat(32))).toBe(false);
    expect(isPseudonym('p-' + 'a'.repeat(31) + '+')).toBe(false);
    expect(isPseudonym(42)).toBe(false);
  });

  it('does not expose the key when serialised', () => {
    expect(JSON.stringify({ p })).not.toContain(key.toString('hex'));
    expect(JSON.stringify({ p })).not.toContain(key.toString('base64'));
  });
});
