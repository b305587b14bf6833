import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { BUNDLE_LIMITS, verifyBundle } from '@app/evidence';
import { bundleSkeleton, deflated, rawZip, type RawEntry, repeatedDeflate } from '../support/hostile-zip';
import { requirePythonVerifier, verifyWithPython } from '../support/python-verifier';

/**
 * Zips built to knock a verifier over (issue 22, found 6: one 3 GiB line hung the verifier for
 * more than 300 s at 1.6 GB; a 1 MB zip bomb took it to 2.25 GB). Each gets a refusal naming the
 * broken limit or rule, read from the central directory or stopped while inflating. The verdict
 * is asserted, not the time; a hang fails by Jest's timeout. The second verifier, written from
 * VERIFY.md's limits (test/verifier-py), must refuse every one of them too.
 */
describe('verify-bundle against hostile zips', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-bundle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const GiB = 2 ** 30;
  const MiB = 2 ** 20;
  beforeAll(() => requirePythonVerifier());
  const verify = async (name: string, entries: RawEntry[]) => {
    const p = join(dir, `${name}.zip`);
    writeFileSync(p, rawZip(entries));
    const [report, python] = await Promise.all([verifyBundle(p), verifyWithPython(p)]);
    expect({ zip: name, pythonOk: python.ok }).toEqual({ zip: name, pythonOk: false });
    return report;
  };
  const withEntry = (entry: RawEntry) => [...bundleSkeleton([entry.name]), entry];
  /** 3 GiB of "a" with no newline, deflated to about 3 MB. */
  const oneLine3GiB = () => repeatedDeflate(Buffer.alloc(MiB, 'a'), 3 * 1024);

  it('refuses one 3 GiB line (about 3 MB zipped) whose header states its size, before inflating: by size, or by ratio', async () => {
    const data = oneLine3GiB();
    expect(data.length).toBeLessThan(4 * MiB);
    const stated = await verify('line-honest', withEntry({ name: 'data/events.jsonl', data, uncompressedSize: 3 * GiB }));
    expect(stated.ok).toBe(false);
    expect(stated.problems).toEqual([
      { file: 'data/events.jsonl', problem: `refused: ${3 * GiB} bytes uncompressed, over the limit of ${BUNDLE_LIMITS.entryBytes} for this file` },
    ]);
    // Stated at 1.5 GiB (within the size limit), the ratio gives it away.
    const ratio = await verify('line-ratio', withEntry({ name: 'data/events.jsonl', data, uncompressedSize: 1.5 * GiB }));
    expect(ratio.problems).toEqual([
      { file: 'data/events.jsonl', problem: expect.stringMatching(/^refused: compressed \d+:1, over the limit of 200:1 \(a zip bomb\)$/) },
    ]);
  });

  it('refuses the same line under a header that understates it: the line limit, while inflating', async () => {
    const report = await verify('line-lying', withEntry({ name: 'data/events.jsonl', data: oneLine3GiB(), uncompressedSize: 400 * MiB }));
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(
      expect.arrayContaining([{ file: 'data/events.jsonl', problem: `line 1 is longer than the limit of ${BUNDLE_LIMITS.lineBytes} bytes` }]),
    );
  });

  it('refuses a line over the limit that compresses poorly (no ratio to give it away)', async () => {
    const line = randomBytes(BUNDLE_LIMITS.lineBytes / 2 + MiB).toString('hex');
    const report = await verify('line-random', withEntry(deflated('data/proofs.jsonl', line)));
    expect(report.problems).toEqual(
      expect.arrayContaining([{ file: 'data/proofs.jsonl', problem: `line 1 is longer than the limit of ${BUNDLE_LIMITS.lineBytes} bytes` }]),
    );
  });

  it('refuses an entry that inflates to fewer bytes than its header states (the verifier inflates on its own, ADR 0049)', async () => {
    const short = deflated('data/proofs.jsonl', '{}\n');
    const report = await verify('size-overstated', withEntry({ ...short, uncompressedSize: 1000 }));
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(expect.arrayContaining([{ problem: 'the archive is damaged: not enough bytes in the stream. expected 1000. got only 3' }]));
  });

  it('refuses a zip bomb in a file read whole, whether its header tells the truth or not', async () => {
    const bomb = repeatedDeflate(Buffer.alloc(MiB), 1024); // 1 GiB of zeros in about 1 MB
    const honest = await verify('bomb-honest', withEntry({ name: 'data/completeness.json', data: bomb, uncompressedSize: GiB }));
    expect(honest.problems).toEqual([{ file: 'data/completeness.json', problem: expect.stringMatching(/refused: .*over the limit/) }]);
    // A header stating 100 bytes: inflation stops there (yauzl, and BagZip's own count).
    const lying = await verify('bomb-lying', withEntry({ name: 'data/completeness.json', data: bomb, uncompressedSize: 100 }));
    expect(lying.ok).toBe(false);
    expect(lying.problems).toEqual([expect.objectContaining({ problem: expect.stringMatching(/^inflates past 100 bytes/) })]);
    // In a streamed file: a stated size over the entry limit is refused from the directory; an
    // understated one (at the floor of the ratio check) stops inflating at that size.
    const big = await verify('bomb-streamed', withEntry({ name: 'data/report.pdf', data: bomb, uncompressedSize: 3 * GiB }));
    expect(big.problems).toEqual([{ file: 'data/report.pdf', problem: expect.stringMatching(/refused: .*over the limit/) }]);
    const small = await verify('bomb-streamed-lying', withEntry({ name: 'data/events.jsonl', data: bomb, uncompressedSize: BUNDLE_LIMITS.ratioFloorBytes }));
    expect(small.problems).toEqual(expect.arrayContaining([expect.objectContaining({ problem: expect.stringMatching(/^inflates past 1048576 bytes/) })]));
  });

  it('refuses a zip of many entries from its end record, before listing them', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => deflated(`data/f${i}`, ''));
    const report = await verify('many', [...bundleSkeleton(), ...many]);
    expect(report.problems).toEqual([
      { problem: `refused: the zip has ${5000 + bundleSkeleton().length} entries, over the limit of ${BUNDLE_LIMITS.entries}` },
    ]);
  });

  it('refuses names outside the bag: absolute, drive letters, .., backslashes', async () => {
    for (const name of ['/etc/passwd', 'C:/Windows/x', 'data/../../x', '..\\x', 'data\\events.jsonl']) {
      const report = await verify('path', [...bundleSkeleton(), deflated(name, 'x')]);
      expect(report.ok).toBe(false);
      expect(report.problems).toEqual([
        { problem: expect.stringMatching(/^refused: entry name refused: (absolute path|invalid relative path|invalid characters in fileName)/) },
      ]);
    }
  });

  it('refuses symbolic links, directories, and a name twice (also in another case)', async () => {
    const link = await verify('symlink', [
      ...bundleSkeleton(['data/public-key.pem']),
      { ...deflated('data/public-key.pem', '/etc/ssl/key.pem'), mode: 0o120777 },
    ]);
    expect(link.problems).toEqual([{ file: 'data/public-key.pem', problem: 'refused: a symbolic link' }]);
    const folder = await verify('folder', [...bundleSkeleton(), { name: 'data/', data: Buffer.alloc(0), method: 0, mode: 0o40755 }]);
    expect(folder.problems).toEqual([{ file: 'data/', problem: 'refused: a directory entry: a bundle zip holds files only' }]);
    const twice = await verify('twice', [...bundleSkeleton(), deflated('Data/Events.jsonl', '')]);
    expect(twice.problems).toEqual([{ file: 'Data/Events.jsonl', problem: 'the zip holds this name twice' }]);
  });

  it('reports a line that is not UTF-8 instead of reading it as something else', async () => {
    const bytes = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]);
    const report = await verify('latin', withEntry({ name: 'data/events.jsonl', data: deflateRawSync(bytes), uncompressedSize: bytes.length }));
    expect(report.problems).toEqual(expect.arrayContaining([{ file: 'data/events.jsonl', problem: 'line 1 is not UTF-8' }]));
  });
});
