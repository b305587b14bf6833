import { CopyText, copyValue } from './copy-text';

describe('COPY text format', () => {
  it('escapes what COPY would read as markers, and marks null', () => {
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue(undefined)).toBe('\\N');
    expect(copyValue('\\N')).toBe('\\\\N');
    expect(copyValue('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyValue(true)).toBe('t');
    expect(copyValue(false)).toBe('f');
    expect(copyValue(-12.5)).toBe('-12.5');
    expect(copyValue(Buffer.from([1, 255]))).toBe('\\\\x01ff');
    expect(copyValue('plain ✓ 患者')).toBe('plain ✓ 患者');
  });

  it('encodes rows across chunk boundaries without splitting or losing a byte', () => {
    const text = new CopyText();
    const expected: string[] = [];
    // Multi-byte characters and one value larger than a chunk, so several chunks are cut mid-row.
    for (let i = 0; i < 3000; i++) {
      const values = [i, `患者-${i}-${'é'.repeat(i % 50)}`, i % 7 ? null : 'tab\there', i === 1500 ? 'x'.repeat(100_000) : ''];
      values.forEach((v, k) => text.value(v, k === values.length - 1));
      expected.push(values.map(copyValue).join('\t') + '\n');
    }
    const chunks = text.chunks();
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(expected.join(''));
  });
});
