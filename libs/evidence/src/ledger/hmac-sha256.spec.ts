import { createHash, createHmac, randomBytes } from 'node:crypto';
import { FieldSalts } from './field-commitments';
import { HmacSha256 } from './hmac-sha256';

// The salts of every format-2 leaf come from this code (ADR 0039, 0043): it must be HMAC-SHA256
// exactly, for every message length around the block boundaries and for any UTF-8.
describe('HMAC-SHA256 in JS (a salt per committed member)', () => {
  const reference = (key: Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

  it('equals createHmac for keys of 0–64 bytes and texts of 0–300 bytes, ASCII and not', () => {
    const mac = new HmacSha256();
    const out = Buffer.alloc(40);
    for (let keyLength = 0; keyLength <= 64; keyLength += keyLength < 30 ? 31 : 1) {
      const key = randomBytes(keyLength);
      mac.rekey(key);
      for (let n = 0; n <= 300; n++) {
        const text = n % 3 === 0 ? 'é/~'.repeat(n).slice(0, n) : randomBytes(n).toString('latin1').slice(0, n);
        mac.macInto(text, out, 5);
        expect(out.subarray(5, 37).toString('hex')).toBe(reference(key, text).toString('hex'));
      }
    }
  });

  it('FieldSalts: salt, saltHex and commitment agree with the definitions, seed given as bytes or hex; a seed longer than a block is hashed first', () => {
    for (const seed of [randomBytes(32), randomBytes(100)]) {
      const salts = new FieldSalts(seed);
      const fromHex = new FieldSalts().rekey(seed.toString('hex'));
      for (const pointer of ['/metadata/actor', '/data/scope/patientPseudonyms', `/data/${'x'.repeat(120)}`, '/data/a~1b/0/note']) {
        const salt = reference(seed, pointer);
        expect(salts.salt(pointer)).toEqual(salt);
        expect(fromHex.saltHex(pointer)).toBe(salt.toString('hex'));
        const text = '{"role":"clinician","subject":"dr-é"}';
        expect(salts.commitment(pointer, text)).toBe(createHash('sha256').update(salt).update(text, 'utf8').digest('hex'));
      }
    }
  });
});
