import { createHash, generateKeyPairSync, hkdfSync, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SqlDatabase } from '@app/event-store';
import { newTestStorage, openTestDataSource, type TestStorage } from '../../../test/support/test-storage';
import {
  DecryptionError,
  type KeyWrapper,
  LocalKeyWrapper,
  MasterKeyUnavailableError,
  SubjectKeyStore,
  SubjectShreddedError,
  textCommitment,
  UnknownDataKeyError,
  type EncryptedText,
} from './subject-keys';

const masterKey = (id: string) => ({ id, key: randomBytes(32) });

describe('SubjectKeyStore', () => {
  let storage: TestStorage;
  let ds: DataSource;
  let other: DataSource;
  let db: SqlDatabase;
  let otherDb: SqlDatabase;
  const master = masterKey('mk-test-1');
  let store: SubjectKeyStore;

  beforeAll(async () => {
    storage = newTestStorage();
    ds = await openTestDataSource(storage);
    other = await openTestDataSource(storage);
    db = new SqlDatabase(ds);
    otherDb = new SqlDatabase(other);
    store = new SubjectKeyStore(db, master);
  });

  const extra: TestStorage[] = [];
  const extraDs: DataSource[] = [];

  afterAll(async () => {
    await ds?.destroy();
    await other?.destroy();
    for (const d of extraDs) await d.destroy();
    await storage?.cleanup();
    for (const s of extra) await s.cleanup();
  });

  const subject = () => `p-${randomBytes(24).toString('base64url')}`;

  it('round-trips text, including unicode and the empty string', async () => {
    const s = subject();
    for (const text of ['Patient fell at 03:00, see note.', 'Zoë – 患者 – 🚑 ∑', '']) {
      const enc = await store.encrypt(s, text);
      expect(enc.enc).toBe('aes-256-gcm');
      expect(Buffer.from(enc.iv, 'base64url')).toHaveLength(12);
      expect(Buffer.from(enc.ct, 'base64url').length).toBe(Buffer.byteLength(text) + 16);
      await expect(store.decrypt(enc)).resolves.toBe(text);
      // A fresh store (no cache) reads it from the table.
      await expect(new SubjectKeyStore(db, master).decrypt(enc)).resolves.toBe(text);
    }
  });

  describe('commitment to the plaintext (ADR 0036)', () => {
    it('the salt is HKDF-SHA256(data key, salt = iv, info "oversight-registry/text-commitment-v1/salt"), byte for byte (ADR 0044 writes it out)', async () => {
      const s = subject();
      const [row] = await db.query<{ wrapped_key: string }>('SELECT wrapped_key FROM subject_keys WHERE subject_id = ?', [s]).then(async (none) => {
        expect(none).toHaveLength(0);
        await store.encrypt(s, 'first');
        return db.query<{ wrapped_key: string }>('SELECT wrapped_key FROM subject_keys WHERE subject_id = ?', [s]);
      });
      const dataKey = await new LocalKeyWrapper(master).unwrap(row.wrapped_key, s);
      const ivs = new Set<string>();
      for (let i = 0; i < 50; i++) {
        const enc = await store.encrypt(s, `text ${i}`);
        ivs.add(enc.iv);
        const iv = Buffer.from(enc.iv, 'base64url');
        const expected = Buffer.from(hkdfSync('sha256', dataKey, iv, Buffer.from('oversight-registry/text-commitment-v1/salt'), 32)).toString('hex');
        expect((await store.reveal(enc))!.salt).toBe(expected);
      }
      // IVs cut from a pool are still all different.
      expect(ivs.size).toBe(50);
    });

    it('reveals a salt that opens the commitment to exactly this text, a new salt per text', async () => {
      const s = subject();
      const enc = await store.encrypt(s, 'Second read');
      const again = await store.encrypt(s, 'Second read');
      const opened = await new SubjectKeyStore(db, master).reveal(enc);
      expect(opened?.text).toBe('Second read');
      expect(opened?.salt).toMatch(/^[0-9a-f]{64}$/);
      expect(textCommitment(Buffer.from(opened!.salt!, 'hex'), 'Second read')).toBe(enc.commitment);
      expect(textCommitment(Buffer.from(opened!.salt!, 'hex'), 'Second reed')).not.toBe(enc.commitment);
      // The same text twice: different salts, so equal texts cannot be told apart by their commitments.
      expect(again.commitment).not.toBe(enc.commitment);
      expect((await store.reveal(again))!.salt).not.toBe(opened!.salt);
    });

    it('refuses a commitment that does not match the text, and says when a text has none', async () => {
      const s = subject();
      const enc = await store.encrypt(s, 'Looked again');
      await expect(store.reveal({ ...enc, commitment: textCommitment(randomBytes(32), 'Looked again') })).rejects.toThrow(DecryptionError);
      const { commitment: _none, ...before } = enc;
      await expect(store.reveal(before)).resolves.toEqual({ text: 'Looked again', salt: null });
    });

    it('after shredding, the commitment can no longer be opened: the salt went with the key', async () => {
      const s = subject();
      const enc = await store.encrypt(s, 'accepted');
      const salt = (await store.reveal(enc))!.salt!;
      await store.shred(s);
      await expect(store.reveal(enc)).resolves.toBeNull();
      // Nothing public opens it: not the iv, not the kid, not an unsalted hash (a dictionary of guesses fails).
      for (const guess of ['accepted', 'rejected', 'modified', 'Second read']) {
        for (const key of [Buffer.alloc(0), Buffer.from(enc.iv, 'base64url'), Buffer.from(enc.kid)])
          expect(textCommitment(key, guess)).not.toBe(enc.commitment);
        expect(createHash('sha256').update(guess).digest('hex')).not.toBe(enc.commitment);
      }
      expect(textCommitment(Buffer.from(salt, 'hex'), 'accepted')).toBe(enc.commitment);
    });
  });

  it('does not leak the plaintext or the subject id', async () => {
    const s = subject();
    const text = 'very recognisable personal free text';
    const enc = await store.encrypt(s, text);
    const json = JSON.stringify(enc);
    expect(json).not.toContain(text);
    expect(json).not.toContain(s);
    expect(Buffer.from(enc.ct, 'base64url').toString('utf8')).not.toContain('recognisable');
    const [row] = await db.query<Record<string, string>>('SELECT * FROM subject_keys WHERE subject_id = ?', [s]);
    expect(row.kid).toBe(enc.kid);
    expect(row.wrapping_key_id).toBe('mk-test-1');
    expect(row.wrapped_key).not.toContain(master.key.toString('base64url'));
    // Same subject, same kid; fresh IV every time.
    const again = await store.encrypt(s, text);
    expect(again.kid).toBe(enc.kid);
    expect(again.iv).not.toBe(enc.iv);
    expect(again.ct).not.toBe(enc.ct);
  });

  it('names the subjects of data keys (what a bundle records), across lookup batches, unknown kids left out', async () => {
    const subjects = Array.from({ length: 501 }, subject);
    const kids = await Promise.all(subjects.map(async (s) => (await store.encrypt(s, 'x')).kid));
    expect(await store.subjectsOf([...kids, kids[0], 'dk-unknown'])).toEqual([...subjects].sort());
    expect(await store.subjectsOf([])).toEqual([]);
  });

  it('gives two subjects different kids', async () => {
    const a = await store.encrypt(subject(), 'x');
    const b = await store.encrypt(subject(), 'x');
    expect(a.kid).not.toBe(b.kid);
  });

  it('throws on a tampered ciphertext, iv or kid', async () => {
    const enc = await store.encrypt(subject(), 'do not alter');
    const flip = (b64: string, i = 0) => {
      const b = Buffer.from(b64, 'base64url');
      b[i] ^= 0x01;
      return b.toString('base64url');
    };
    await expect(store.decrypt({ ...enc, ct: flip(enc.ct) })).rejects.toThrow(DecryptionError);
    await expect(store.decrypt({ ...enc, ct: flip(enc.ct, Buffer.from(enc.ct, 'base64url').length - 1) })).rejects.toThrow(DecryptionError);
    await expect(store.decrypt({ ...enc, iv: flip(enc.iv) })).rejects.toThrow(DecryptionError);
    await expect(store.decrypt({ ...enc, ct: enc.ct.slice(0, 10) })).rejects.toThrow(DecryptionError);
    await expect(store.decrypt({ ...enc, iv: 'AAAA' })).rejects.toThrow(DecryptionError);
    await expect(store.decrypt({ ...enc, enc: 'aes-128-cbc' } as unknown as EncryptedText)).rejects.toThrow(DecryptionError);
    // Ciphertext moved to another subject's key.
    const otherEnc = await store.encrypt(subject(), 'other');
    await expect(store.decrypt({ ...enc, kid: otherEnc.kid })).rejects.toThrow(DecryptionError);
    await expect(store.decrypt({ ...enc, kid: 'dk-doesnotexist' })).rejects.toThrow(UnknownDataKeyError);
    // Untouched still decrypts.
    await expect(store.decrypt(enc)).resolves.toBe('do not alter');
  });

  it('detects a tampered wrapped key', async () => {
    const s = subject();
    const enc = await store.encrypt(s, 'x');
    const [row] = await db.query<{ wrapped_key: string }>('SELECT wrapped_key FROM subject_keys WHERE subject_id = ?', [s]);
    const parts = row.wrapped_key.split('.');
    const ct = Buffer.from(parts[2], 'base64url');
    ct[3] ^= 0x80;
    await db.query('UPDATE subject_keys SET wrapped_key = ? WHERE subject_id = ?', [`${parts[0]}.${parts[1]}.${ct.toString('base64url')}`, s]);
    await expect(new SubjectKeyStore(db, master).decrypt(enc)).rejects.toThrow(DecryptionError);
  });

  it('shreds: decrypt gives null, encrypt throws, other subjects are unaffected', async () => {
    const victim = subject();
    const bystander = subject();
    const v1 = await store.encrypt(victim, 'victim text');
    const b1 = await store.encrypt(bystander, 'bystander text');
    const fresh = new SubjectKeyStore(db, master);
    await expect(fresh.decrypt(v1)).resolves.toBe('victim text'); // now cached in `fresh`, too
    await expect(store.isShredded(victim)).resolves.toBe(false);

    await expect(store.shred(victim)).resolves.toBe(true);
    await expect(store.shred(victim)).resolves.toBe(false);
    await expect(store.isShredded(victim)).resolves.toBe(true);
    await expect(store.decrypt(v1)).resolves.toBeNull();
    await expect(store.encrypt(victim, 'more')).rejects.toThrow(SubjectShreddedError);
    await expect(new SubjectKeyStore(db, master).decrypt(v1)).resolves.toBeNull();
    fresh.clearCache();
    await expect(fresh.decrypt(v1)).resolves.toBeNull();

    const [row] = await db.query<Record<string, unknown>>('SELECT * FROM subject_keys WHERE subject_id = ?', [victim]);
    expect(row.wrapped_key).toBeNull();
    expect(typeof row.shredded_at).toBe('string');
    expect(new Date(row.shredded_at as string).toISOString()).toBe(row.shredded_at);

    await expect(store.isShredded(bystander)).resolves.toBe(false);
    await expect(store.decrypt(b1)).resolves.toBe('bystander text');
    await expect(store.encrypt(bystander, 'still fine')).resolves.toMatchObject({ kid: b1.kid });
  });

  it('shredding a subject that has no key yet blocks future keys', async () => {
    const s = subject();
    await expect(store.isShredded(s)).resolves.toBe(false);
    await expect(store.shred(s)).resolves.toBe(true);
    await expect(store.isShredded(s)).resolves.toBe(true);
    await expect(store.encrypt(s, 'x')).rejects.toThrow(SubjectShreddedError);
    await expect(store.shred(s)).resolves.toBe(false);
  });

  it('makes one key when first encrypts for a subject race', async () => {
    const s = subject();
    // Separate store instances (no shared in-flight cache) on two connections/pools.
    const stores = Array.from({ length: 10 }, (_, i) => new SubjectKeyStore(i % 2 ? otherDb : db, master));
    const encs = await Promise.all(stores.map((st, i) => st.encrypt(s, `text ${i}`)));
    const rows = await db.query('SELECT kid FROM subject_keys WHERE subject_id = ?', [s]);
    expect(rows).toHaveLength(1);
    expect(new Set(encs.map((e) => e.kid)).size).toBe(1);
    const reader = new SubjectKeyStore(db, master);
    for (const [i, e] of encs.entries()) await expect(reader.decrypt(e)).resolves.toBe(`text ${i}`);

    // And within one store instance.
    const s2 = subject();
    const one = new SubjectKeyStore(db, master);
    const encs2 = await Promise.all(Array.from({ length: 10 }, (_, i) => one.encrypt(s2, `t${i}`)));
    for (const [i, e] of encs2.entries()) await expect(reader.decrypt(e)).resolves.toBe(`t${i}`);
  });

  it('prepares keys for many subjects at once: one key each, the same a later encrypt uses, a shredded one still refused', async () => {
    const known = subject();
    const knownKid = (await store.encrypt(known, 'first')).kid;
    const shredded = subject();
    await store.shred(shredded);
    const fresh = Array.from({ length: 450 }, subject);
    const racing = new SubjectKeyStore(otherDb, master);
    await Promise.all([store.prepare([known, shredded, ...fresh, fresh[0]]), racing.prepare(fresh.slice(0, 50))]);
    const rows = await db.query<{ subject_id: string; kid: string }>(
      `SELECT subject_id, kid FROM subject_keys WHERE subject_id IN (${[known, ...fresh].map(() => '?').join(', ')})`,
      [known, ...fresh],
    );
    expect(rows).toHaveLength(451);
    const kidOf = new Map(rows.map((r) => [r.subject_id, r.kid]));
    expect(kidOf.get(known)).toBe(knownKid);
    const fromAnotherStore = new SubjectKeyStore(db, master);
    for (const s of [fresh[0], fresh[449]]) {
      const enc = await store.encrypt(s, 'summary');
      expect(enc.kid).toBe(kidOf.get(s));
      expect((await racing.encrypt(s, 'other')).kid).toBe(kidOf.get(s));
      await expect(fromAnotherStore.decrypt(enc)).resolves.toBe('summary');
    }
    await expect(store.encrypt(shredded, 'x')).rejects.toBeInstanceOf(SubjectShreddedError);
  });

  it('rewraps to a new master key; the old master key no longer unwraps', async () => {
    // A store of its own: the shared table holds rows (some deliberately corrupted) of other tests.
    const own = newTestStorage();
    extra.push(own);
    const ownDs = await openTestDataSource(own);
    extraDs.push(ownDs);
    const ownDb = new SqlDatabase(ownDs);

    const oldMaster = masterKey('mk-rewrap-old');
    const newMaster = masterKey('mk-rewrap-new');
    const rs = new SubjectKeyStore(ownDb, oldMaster);
    const live = Array.from({ length: 7 }, () => subject());
    const encs = await Promise.all(live.map((s) => rs.encrypt(s, `secret of ${s}`)));
    const gone = subject();
    const goneEnc = await rs.encrypt(gone, 'gone');
    await rs.shred(gone);
    await rs.shred(subject()); // tombstone

    await expect(rs.rewrap(newMaster)).resolves.toBe(live.length);
    expect(rs.masterKeyId).toBe('mk-rewrap-new');
    await expect(rs.rewrap(newMaster)).resolves.toBe(0);

    const ids = await ownDb.query<{ wrapping_key_id: string }>('SELECT DISTINCT wrapping_key_id FROM subject_keys WHERE wrapped_key IS NOT NULL');
    expect(ids.map((r) => r.wrapping_key_id)).toEqual(['mk-rewrap-new']);

    for (const [i, s] of live.entries()) {
      await expect(rs.decrypt(encs[i])).resolves.toBe(`secret of ${s}`);
      await expect(new SubjectKeyStore(ownDb, newMaster).decrypt(encs[i])).resolves.toBe(`secret of ${s}`);
      await expect(new SubjectKeyStore(ownDb, oldMaster).decrypt(encs[i])).rejects.toThrow(MasterKeyUnavailableError);
      await expect(new SubjectKeyStore(ownDb, oldMaster).encrypt(s, 'x')).rejects.toThrow(MasterKeyUnavailableError);
      // Same id, other bytes: authentication of the wrapped key fails.
      await expect(new SubjectKeyStore(ownDb, { id: 'mk-rewrap-new', key: oldMaster.key }).decrypt(encs[i])).rejects.toThrow(DecryptionError);
    }
    await expect(rs.decrypt(goneEnc)).resolves.toBeNull();
    // New keys are wrapped under the new master key.
    const e = await rs.encrypt(subject(), 'new');
    await expect(new SubjectKeyStore(ownDb, newMaster).decrypt(e)).resolves.toBe('new');
    // A key id cannot be reused for different key bytes.
    await expect(rs.rewrap({ id: 'mk-rewrap-new', key: randomBytes(32) })).rejects.toThrow(/already used/);
  });

  it('works with a key wrapper outside the store (the KMS interface), and rewraps onto it', async () => {
    // A stand-in for a KMS with real crypto of its own: RSA-OAEP, the subject id bound by hash.
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const bind = (aad: string) => createHash('sha256').update(aad).digest();
    const kms: KeyWrapper = {
      id: 'kms-rsa-1',
      wrap: (key, aad) => new Promise((resolve) => resolve(publicEncrypt(publicKey, Buffer.concat([bind(aad), key])).toString('base64'))),
      unwrap: (wrapped, aad) =>
        new Promise((resolve) => {
          let plain: Buffer;
          try {
            plain = privateDecrypt(privateKey, Buffer.from(wrapped, 'base64'));
          } catch {
            throw new DecryptionError('not wrapped by this KMS key');
          }
          if (!plain.subarray(0, 32).equals(bind(aad))) throw new DecryptionError('wrapped for another subject');
          resolve(plain.subarray(32));
        }),
    };
    const own = newTestStorage();
    extra.push(own);
    const ownDs = await openTestDataSource(own);
    extraDs.push(ownDs);
    const ownDb = new SqlDatabase(ownDs);
    const local = masterKey('mk-before-kms');
    const before = new SubjectKeyStore(ownDb, local);
    const early = await before.encrypt(subject(), 'written under the local master key');
    await expect(before.rewrap(kms)).resolves.toBe(1);
    const viaKms = new SubjectKeyStore(ownDb, kms);
    await expect(viaKms.decrypt(early)).resolves.toBe('written under the local master key');
    const later = await viaKms.encrypt(subject(), 'written under the KMS');
    await expect(new SubjectKeyStore(ownDb, kms).decrypt(later)).resolves.toBe('written under the KMS');
    await expect(new SubjectKeyStore(ownDb, local).decrypt(later)).rejects.toBeInstanceOf(MasterKeyUnavailableError);
  });

  it('rewraps in batches larger than one page', async () => {
    const own = newTestStorage();
    extra.push(own);
    const ownDs = await openTestDataSource(own);
    extraDs.push(ownDs);
    const ownDb = new SqlDatabase(ownDs);
    const a = masterKey('mk-a');
    const b = masterKey('mk-b');
    const rs = new SubjectKeyStore(ownDb, a);
    const subjects = Array.from({ length: 1203 }, (_, i) => `s-${String(i).padStart(5, '0')}`);
    // 50 concurrent first encrypts at a time.
    const encs: EncryptedText[] = [];
    for (let i = 0; i < subjects.length; i += 50) {
      encs.push(...(await Promise.all(subjects.slice(i, i + 50).map((s) => rs.encrypt(s, s)))));
    }
    await expect(rs.rewrap(b)).resolves.toBe(subjects.length);
    const reader = new SubjectKeyStore(ownDb, b);
    for (const i of [0, 499, 500, 999, 1000, 1202]) await expect(reader.decrypt(encs[i])).resolves.toBe(subjects[i]);
    const [{ n }] = await ownDb.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM subject_keys WHERE wrapping_key_id = 'mk-b'");
    expect(Number(n)).toBe(subjects.length);
  });

  it('validates its inputs', async () => {
    expect(() => new SubjectKeyStore(db, { id: 'x', key: randomBytes(16) })).toThrow(TypeError);
    expect(() => new SubjectKeyStore(db, { id: '', key: randomBytes(32) })).toThrow(TypeError);
    await expect(store.encrypt('', 'x')).rejects.toThrow(TypeError);
    await expect(store.encrypt('x'.repeat(129), 'x')).rejects.toThrow(TypeError);
  });

  it('evicts from a bounded cache and still decrypts', async () => {
    const small = new SubjectKeyStore(db, master, { cacheSize: 2 });
    const subjects = [subject(), subject(), subject(), subject()];
    const encs = [];
    for (const s of subjects) encs.push(await small.encrypt(s, s));
    for (const [i, s] of subjects.entries()) await expect(small.decrypt(encs[i])).resolves.toBe(s);
    await small.shred(subjects[0]);
    await expect(small.decrypt(encs[0])).resolves.toBeNull();
  });

  it('keeps keys out of serialisation', () => {
    expect(JSON.stringify({ store })).not.toContain(master.key.toString('base64'));
  });
});
