import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError, type EncryptedText, isUniqueViolation, type SqlDatabase } from '@app/event-store';
import { decodeBase64Url } from './encoding';
import type { MasterKey } from './key-material';

/**
 * Personal free text encrypted under the data key of one subject. `kid` names that data key
 * (random, it reveals nothing about the subject); `iv` (12 bytes) and `ct` (ciphertext with the
 * 16-byte GCM tag appended) are base64url. The kid is the additional authenticated data.
 * `commitment` (text written since TEXT_COMMITMENT, ADR 0036) is HMAC-SHA256(salt, UTF-8 text) in
 * hex: it puts the plaintext inside the event's leaf, so a bundle can prove a revealed text without
 * shipping keys. The salt is derived from the data key, so once the key is shredded nobody can open
 * or guess the commitment; text written before has none and cannot be proven.
 */
/** The shape is the shared kernel's; re-exported because every caller of this store uses it. */
export type { EncryptedText };

/** The name of the commitment format, as bundles and their verifiers name it (ADR 0036). */
export const TEXT_COMMITMENT = 'text-commitment-v1';

/** A decrypted text with what opens its commitment: the salt (hex), or null for text written before TEXT_COMMITMENT. */
export interface RevealedText {
  text: string;
  salt: string | null;
}

/**
 * The commitment to a text under a salt (hex): what a verifier recomputes from a revealed text
 * (VERIFY.md B.12). RFC 2104 §2: "To compute HMAC over the data `text' we perform
 * H(K XOR opad, H(K XOR ipad, text))"; "the minimal recommended length for K is L bytes (as the
 * hash output length)" — the salt is 32 bytes.
 */
export function textCommitment(salt: Buffer, text: string): string {
  return createHmac('sha256', salt).update(text, 'utf8').digest('hex');
}

/**
 * The subject's key was shredded: nothing can be encrypted for it any more. A DomainError, so a
 * write about an erased data subject answers 409 `data-subject-erased` rather than 500.
 */
export class SubjectShreddedError extends DomainError {
  constructor(readonly subjectId: string) {
    super('data-subject-erased', `The data subject ${subjectId} was erased: no new personal text can be recorded for them`, 409);
  }
}

/** No data key with this kid exists in this store. */
export class UnknownDataKeyError extends Error {
  override readonly name = 'UnknownDataKeyError';
  constructor(readonly kid: string) {
    super(`No data key ${kid}`);
  }
}

/** A data key is wrapped under a master key this store was not given. */
export class MasterKeyUnavailableError extends Error {
  override readonly name = 'MasterKeyUnavailableError';
  constructor(
    readonly wrappingKeyId: string,
    readonly availableKeyIds: string[],
  ) {
    super(`Data key is wrapped under master key ${wrappingKeyId}; this store has ${availableKeyIds.join(', ')}`);
  }
}

/** Authentication failed: a tampered or corrupted ciphertext or wrapped key, or a wrong key. */
export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';
}

export interface SubjectKeyStoreOptions {
  /** Unwrapped data keys kept in memory; default 10 000. */
  cacheSize?: number;
  /**
   * How long a cached key is used without looking at the table again; default 60 s. Bounds how
   * long another process may still use a key after it was shredded elsewhere. 0 disables caching.
   */
  cacheTtlMs?: number;
}

interface DataKey {
  subjectId: string;
  kid: string;
  key: Buffer;
  loadedAt: number;
}

interface KeyRow {
  subject_id: string;
  kid: string;
  wrapped_key: string | null;
  wrapping_key_id: string;
}

const ENC = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const WRAP_VERSION = 'v1';
const MAX_SUBJECT_ID = 128;
const KID = /^[A-Za-z0-9_-]{1,64}$/;
const REWRAP_BATCH = 500;
/** Kids per lookup: well under SQLite's and PostgreSQL's limits on bound parameters. */
const LOOKUP_BATCH = 500;
const INSERT_ATTEMPTS = 5;

/**
 * Crypto-shredding of personal free text. Every subject (a pseudonym or another opaque id) gets
 * one random 256-bit data key, made on its first `encrypt`. The key is stored in `subject_keys`
 * wrapped with AES-256-GCM under the master key (AAD = subject id). `shred` deletes the wrapped
 * key: from then on the subject's ciphertexts are unreadable (`decrypt` returns null) and
 * `encrypt` throws SubjectShreddedError. A subject shredded before it had a key gets a
 * tombstone row, so no key can be made for it later.
 *
 * Unwrapped keys are cached (bounded, with a TTL) and dropped on shred. With several processes
 * on one PostgreSQL store, another process may use a shredded key until its cache entry
 * expires (`cacheTtlMs`).
 */
/** Subjects per statement in `prepare` (5 parameters each, well under every driver's limit). */
const PREPARE_CHUNK = 200;

export class SubjectKeyStore {
  #current: KeyWrapper;
  #wrappingKeys = new Map<string, KeyWrapper>();
  /** LRU by kid; `#kidOf` maps subject → kid for the entries present. */
  readonly #cache = new Map<string, DataKey>();
  readonly #kidOf = new Map<string, string>();
  readonly #loading = new Map<string, Promise<DataKey>>();
  /** Bumped by every shred: a key load that started before cannot fill the cache after it. */
  #epoch = 0;
  readonly #cacheSize: number;
  readonly #cacheTtlMs: number;

  constructor(
    private readonly db: SqlDatabase,
    masterKey: MasterKey | KeyWrapper,
    options: SubjectKeyStoreOptions = {},
  ) {
    this.#current = keyWrapperOf(masterKey);
    this.#wrappingKeys.set(this.#current.id, this.#current);
    this.#cacheSize = options.cacheSize ?? 10_000;
    this.#cacheTtlMs = options.cacheTtlMs ?? 60_000;
  }

  /** The id of the master key that wraps new data keys. */
  get masterKeyId(): string {
    return this.#current.id;
  }

  /**
   * Makes sure each subject has a data key and caches it: the missing keys are created with one
   * statement per 200 subjects instead of one commit per new subject, which is what a feed batch
   * of 1,000 outputs for 1,000 new patients would otherwise cost (1,000 durable commits). A
   * subject whose key was shredded is left alone: `encrypt` refuses it as before.
   */
  async prepare(subjectIds: readonly string[]): Promise<void> {
    const wanted = [...new Set(subjectIds)].filter((s) => {
      checkSubjectId(s);
      const kid = this.#kidOf.get(s);
      return kid === undefined || !this.cached(kid);
    });
    const select = (ids: string[]) =>
      this.db.query<KeyRow>(
        `SELECT subject_id, kid, wrapped_key, wrapping_key_id FROM subject_keys WHERE subject_id IN (${ids.map(() => '?').join(', ')})`,
        ids,
      );
    for (let i = 0; i < wanted.length; i += PREPARE_CHUNK) {
      const chunk = wanted.slice(i, i + PREPARE_CHUNK);
      const epoch = this.#epoch;
      const rows = await select(chunk);
      const found = new Set(rows.map((r) => r.subject_id));
      const missing = chunk.filter((s) => !found.has(s));
      if (missing.length) {
        const master = this.#current;
        const now = new Date().toISOString();
        const params: unknown[] = [];
        for (const subjectId of missing) params.push(subjectId, newKid(), await master.wrap(randomBytes(KEY_BYTES), subjectId), master.id, now);
        // A concurrent writer's key wins (DO NOTHING); the read below takes whichever is stored.
        await this.db.query(
          `INSERT INTO subject_keys (subject_id, kid, wrapped_key, wrapping_key_id, created_at) VALUES ${missing.map(() => '(?, ?, ?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
          params,
        );
        rows.push(...(await select(missing)));
      }
      for (const row of rows) {
        if (row.wrapped_key === null) continue;
        const dk: DataKey = { subjectId: row.subject_id, kid: row.kid, key: await this.unwrap(row), loadedAt: Date.now() };
        if (epoch === this.#epoch) this.remember(dk);
      }
    }
  }

  async encrypt(subjectId: string, plaintext: string): Promise<EncryptedText> {
    checkSubjectId(subjectId);
    if (typeof plaintext !== 'string') throw new TypeError('plaintext must be a string');
    const dataKey = await this.keyForSubject(subjectId);
    const iv = freshIv();
    const cipher = createCipheriv(ENC, dataKey.key, iv);
    cipher.setAAD(Buffer.from(dataKey.kid, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    const commitment = textCommitment(commitmentSalt(dataKey.key, iv), plaintext);
    return { enc: ENC, kid: dataKey.kid, iv: iv.toString('base64url'), ct: ct.toString('base64url'), commitment };
  }

  /**
   * The plaintext with the salt that opens its commitment (null for text written before there were
   * commitments), or null when the subject's key was shredded. Throws as `decrypt` does, and
   * DecryptionError when the commitment does not match the decrypted text.
   */
  async reveal(value: EncryptedText): Promise<RevealedText | null> {
    const text = await this.decrypt(value);
    if (text === null) return null;
    if (value.commitment === undefined) return { text, salt: null };
    const dataKey = await this.keyForKid(value.kid);
    if (!dataKey) return null;
    const salt = commitmentSalt(dataKey.key, parseEncrypted(value).iv);
    if (textCommitment(salt, text) !== value.commitment) throw new DecryptionError('The text does not match its commitment');
    return { text, salt: salt.toString('hex') };
  }

  /**
   * The plaintext, or null when the subject's key was shredded. Throws DecryptionError when the
   * value was tampered with, UnknownDataKeyError for a kid this store never made, and
   * MasterKeyUnavailableError when the key is wrapped under a master key this store lacks.
   */
  async decrypt(value: EncryptedText): Promise<string | null> {
    const { kid, iv, ct } = parseEncrypted(value);
    const dataKey = await this.keyForKid(kid);
    if (!dataKey) return null;
    try {
      const decipher = createDecipheriv(ENC, dataKey.key, iv);
      decipher.setAAD(Buffer.from(kid, 'utf8'));
      decipher.setAuthTag(ct.subarray(ct.length - TAG_BYTES));
      const pt = Buffer.concat([decipher.update(ct.subarray(0, ct.length - TAG_BYTES)), decipher.final()]);
      return pt.toString('utf8');
    } catch {
      throw new DecryptionError('Ciphertext failed authentication');
    }
  }

  /**
   * Destroys the subject's data key. Returns true when this call shredded the subject (including
   * recording a tombstone for a subject that had no key yet), false when it was shredded already.
   */
  async shred(subjectId: string): Promise<boolean> {
    checkSubjectId(subjectId);
    this.forget(subjectId);
    try {
      for (let attempt = 0; attempt < INSERT_ATTEMPTS; attempt++) {
        const now = new Date().toISOString();
        const updated = await this.db.transaction((tx) =>
          tx.query('UPDATE subject_keys SET wrapped_key = NULL, shredded_at = ? WHERE subject_id = ? AND wrapped_key IS NOT NULL RETURNING kid', [
            now,
            subjectId,
          ]),
        );
        if (updated.length > 0) return true;
        const [row] = await this.db.query('SELECT kid FROM subject_keys WHERE subject_id = ?', [subjectId]);
        if (row) return false;
        try {
          await this.db.query(
            'INSERT INTO subject_keys (subject_id, kid, wrapped_key, wrapping_key_id, created_at, shredded_at) VALUES (?, ?, NULL, ?, ?, ?)',
            [subjectId, newKid(), this.#current.id, now, now],
          );
          return true;
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
          // A key was created meanwhile (or a kid collided): shred that row on the next round.
        }
      }
      throw new Error(`Could not shred subject ${subjectId}: concurrent key creation kept winning`);
    } finally {
      this.forget(subjectId);
    }
  }

  /** The id of the subject's data key (also of a shredded one), or undefined when it has none. */
  async kidOf(subjectId: string): Promise<string | undefined> {
    checkSubjectId(subjectId);
    const [row] = await this.db.query<{ kid: string }>('SELECT kid FROM subject_keys WHERE subject_id = ?', [subjectId]);
    return row?.kid;
  }

  /** The subjects whose data keys these are (unknown kids are left out), e.g. whose text a bundle holds. */
  async subjectsOf(kids: Iterable<string>): Promise<string[]> {
    const all = [...new Set(kids)];
    const subjects: string[] = [];
    for (let i = 0; i < all.length; i += LOOKUP_BATCH) {
      const batch = all.slice(i, i + LOOKUP_BATCH);
      const rows = await this.db.query<{ subject_id: string }>(`SELECT subject_id FROM subject_keys WHERE kid IN (${batch.map(() => '?').join(', ')})`, batch);
      subjects.push(...rows.map((r) => r.subject_id));
    }
    return subjects.sort();
  }

  async isShredded(subjectId: string): Promise<boolean> {
    checkSubjectId(subjectId);
    const [row] = await this.db.query<{ wrapped_key: string | null }>('SELECT wrapped_key FROM subject_keys WHERE subject_id = ?', [subjectId]);
    return row !== undefined && row.wrapped_key === null;
  }

  /**
   * Re-wraps every live data key under `newMasterKey` and makes it the current master key.
   * New keys are wrapped under the new key from the start of the call; a rewrap interrupted
   * halfway can simply be run again. Returns the number of keys re-wrapped. All processes must
   * be restarted with the new master key afterwards.
   */
  async rewrap(newMasterKey: MasterKey | KeyWrapper): Promise<number> {
    const next = keyWrapperOf(newMasterKey);
    const known = this.#wrappingKeys.get(next.id);
    if (known && known !== next && !(known instanceof LocalKeyWrapper && next instanceof LocalKeyWrapper && known.sameKeyAs(next))) {
      throw new Error(`Master key id ${next.id} is already used by a different key`);
    }
    this.#wrappingKeys.set(next.id, next);
    this.#current = next;

    let total = 0;
    // Passes until one finds nothing left: catches keys another process wrapped under an old key.
    for (;;) {
      let pass = 0;
      let after = '';
      for (;;) {
        const { rows, rewrapped } = await this.db.transaction(async (tx) => {
          const rows = await tx.query<KeyRow>(
            `SELECT subject_id, kid, wrapped_key, wrapping_key_id FROM subject_keys
             WHERE subject_id > ? AND wrapped_key IS NOT NULL AND wrapping_key_id <> ?
             ORDER BY subject_id LIMIT ${REWRAP_BATCH}`,
            [after, next.id],
          );
          let rewrapped = 0;
          for (const row of rows) {
            const key = await this.unwrap(row);
            const updated = await tx.query(
              `UPDATE subject_keys SET wrapped_key = ?, wrapping_key_id = ?
               WHERE subject_id = ? AND wrapping_key_id = ? AND wrapped_key IS NOT NULL RETURNING subject_id`,
              [await next.wrap(key, row.subject_id), next.id, row.subject_id, row.wrapping_key_id],
            );
            rewrapped += updated.length;
          }
          return { rows, rewrapped };
        });
        pass += rewrapped;
        if (rows.length < REWRAP_BATCH) break;
        after = rows[rows.length - 1].subject_id;
      }
      total += pass;
      if (pass === 0) break;
    }
    this.#wrappingKeys = new Map([[next.id, next]]);
    return total;
  }

  /** Drops every cached key (e.g. after shredding through another store instance). */
  clearCache(): void {
    this.#epoch++;
    this.#cache.clear();
    this.#kidOf.clear();
    this.#loading.clear();
  }

  toJSON(): string {
    return 'SubjectKeyStore';
  }

  // --- keys -------------------------------------------------------------------------------

  private async keyForSubject(subjectId: string): Promise<DataKey> {
    const kid = this.#kidOf.get(subjectId);
    const cached = kid === undefined ? undefined : this.cached(kid);
    if (cached) return cached;
    let loading = this.#loading.get(subjectId);
    if (!loading) {
      const epoch = this.#epoch;
      loading = this.loadOrCreate(subjectId)
        .then((dk) => {
          if (epoch === this.#epoch) this.remember(dk);
          return dk;
        })
        .finally(() => {
          if (this.#loading.get(subjectId) === loading) this.#loading.delete(subjectId);
        });
      this.#loading.set(subjectId, loading);
    }
    return loading;
  }

  private async loadOrCreate(subjectId: string): Promise<DataKey> {
    for (let attempt = 0; attempt < INSERT_ATTEMPTS; attempt++) {
      const [row] = await this.db.query<KeyRow>('SELECT subject_id, kid, wrapped_key, wrapping_key_id FROM subject_keys WHERE subject_id = ?', [subjectId]);
      if (row) {
        if (row.wrapped_key === null) throw new SubjectShreddedError(subjectId);
        return { subjectId, kid: row.kid, key: await this.unwrap(row), loadedAt: Date.now() };
      }
      const key = randomBytes(KEY_BYTES);
      const kid = newKid();
      const master = this.#current;
      try {
        // Its own statement, not part of a larger transaction: on PostgreSQL a failed
        // statement would abort the surrounding transaction.
        await this.db.query('INSERT INTO subject_keys (subject_id, kid, wrapped_key, wrapping_key_id, created_at) VALUES (?, ?, ?, ?, ?)', [
          subjectId,
          kid,
          await master.wrap(key, subjectId),
          master.id,
          new Date().toISOString(),
        ]);
        return { subjectId, kid, key, loadedAt: Date.now() };
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // Another writer created the subject's key first (or, astronomically unlikely, the kid
        // collided): read again and use theirs.
      }
    }
    throw new Error(`Could not create a data key for subject ${subjectId}`);
  }

  /** The data key for `kid`, or null when it was shredded. */
  private async keyForKid(kid: string): Promise<DataKey | null> {
    const cached = this.cached(kid);
    if (cached) return cached;
    const epoch = this.#epoch;
    const [row] = await this.db.query<KeyRow>('SELECT subject_id, kid, wrapped_key, wrapping_key_id FROM subject_keys WHERE kid = ?', [kid]);
    if (!row) throw new UnknownDataKeyError(kid);
    if (row.wrapped_key === null) return null;
    const dk: DataKey = { subjectId: row.subject_id, kid: row.kid, key: await this.unwrap(row), loadedAt: Date.now() };
    if (epoch === this.#epoch) this.remember(dk);
    return dk;
  }

  private async unwrap(row: KeyRow): Promise<Buffer> {
    const master = this.#wrappingKeys.get(row.wrapping_key_id);
    if (!master) throw new MasterKeyUnavailableError(row.wrapping_key_id, [...this.#wrappingKeys.keys()]);
    try {
      return await master.unwrap(row.wrapped_key ?? '', row.subject_id);
    } catch (err) {
      if (err instanceof DecryptionError) throw new DecryptionError(`Data key ${row.kid}: ${err.message}`);
      throw err;
    }
  }

  // --- cache ------------------------------------------------------------------------------

  private cached(kid: string): DataKey | undefined {
    const dk = this.#cache.get(kid);
    if (!dk) return undefined;
    if (Date.now() - dk.loadedAt >= this.#cacheTtlMs) {
      this.#cache.delete(kid);
      if (this.#kidOf.get(dk.subjectId) === kid) this.#kidOf.delete(dk.subjectId);
      return undefined;
    }
    // Most recently used last.
    this.#cache.delete(kid);
    this.#cache.set(kid, dk);
    return dk;
  }

  private remember(dk: DataKey): void {
    if (this.#cacheSize <= 0 || this.#cacheTtlMs <= 0) return;
    this.#cache.delete(dk.kid);
    this.#cache.set(dk.kid, dk);
    this.#kidOf.set(dk.subjectId, dk.kid);
    while (this.#cache.size > this.#cacheSize) {
      const [oldestKid, oldest] = this.#cache.entries().next().value as [string, DataKey];
      this.#cache.delete(oldestKid);
      if (this.#kidOf.get(oldest.subjectId) === oldestKid) this.#kidOf.delete(oldest.subjectId);
    }
  }

  private forget(subjectId: string): void {
    this.#epoch++;
    this.#loading.delete(subjectId);
    const kid = this.#kidOf.get(subjectId);
    this.#kidOf.delete(subjectId);
    if (kid !== undefined) this.#cache.delete(kid);
    for (const [k, dk] of this.#cache) if (dk.subjectId === subjectId) this.#cache.delete(k);
  }
}

/**
 * Wraps data keys under a master key. The local one holds the key in memory (from configuration
 * or a file); production can plug in a KMS or HSM that wraps and unwraps without ever showing the
 * master key (e.g. AWS KMS Encrypt/Decrypt with the subject id as encryption context).
 */
export interface KeyWrapper {
  readonly id: string;
  /** Returns an opaque string; `aad` (the subject id) must be given again to unwrap. */
  wrap(key: Buffer, aad: string): Promise<string>;
  /** Throws DecryptionError when the wrapped key is malformed, tampered or under another key. */
  unwrap(wrapped: string, aad: string): Promise<Buffer>;
}

/** AES-256-GCM under a 32-byte master key held by this process: `v1.<iv>.<ct+tag>`. */
export class LocalKeyWrapper implements KeyWrapper {
  readonly id: string;
  readonly #key: Buffer;

  constructor(masterKey: MasterKey) {
    checkMasterKey(masterKey);
    this.id = masterKey.id;
    this.#key = Buffer.from(masterKey.key);
  }

  sameKeyAs(other: LocalKeyWrapper): boolean {
    return timingSafeEqual(this.#key, other.#key);
  }

  // Local AES-GCM needs no I/O; Promises because a KMS wrapper does (a failure still rejects).
  wrap(key: Buffer, aad: string): Promise<string> {
    return new Promise((resolve) => resolve(this.seal(key, aad)));
  }

  unwrap(wrapped: string, aad: string): Promise<Buffer> {
    return new Promise((resolve) => resolve(this.open(wrapped, aad)));
  }

  private seal(key: Buffer, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ENC, this.#key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(key), cipher.final(), cipher.getAuthTag()]);
    return `${WRAP_VERSION}.${iv.toString('base64url')}.${ct.toString('base64url')}`;
  }

  private open(wrapped: string, aad: string): Buffer {
    const parts = wrapped.split('.');
    const iv = decodeBase64Url(parts[1]);
    const ct = decodeBase64Url(parts[2]);
    if (parts.length !== 3 || parts[0] !== WRAP_VERSION || !iv || iv.length !== IV_BYTES || !ct || ct.length !== KEY_BYTES + TAG_BYTES) {
      throw new DecryptionError('the wrapped key is malformed');
    }
    try {
      const decipher = createDecipheriv(ENC, this.#key, iv);
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(ct.subarray(KEY_BYTES));
      return Buffer.concat([decipher.update(ct.subarray(0, KEY_BYTES)), decipher.final()]);
    } catch {
      throw new DecryptionError(`cannot be unwrapped with master key ${this.id} (wrong key or tampered)`);
    }
  }
}

function keyWrapperOf(k: MasterKey | KeyWrapper): KeyWrapper {
  return 'wrap' in k ? k : new LocalKeyWrapper(k);
}

/** A random data key id: `dk-` + 128 random bits. */
function newKid(): string {
  return `dk-${randomBytes(16).toString('base64url')}`;
}

function checkSubjectId(subjectId: string): void {
  if (typeof subjectId !== 'string' || subjectId.length === 0 || subjectId.length > MAX_SUBJECT_ID) {
    throw new TypeError(`Subject id must be 1-${MAX_SUBJECT_ID} characters`);
  }
}

function checkMasterKey(mk: MasterKey): void {
  if (!mk || typeof mk.id !== 'string' || mk.id.length === 0 || mk.id.length > 64) {
    throw new TypeError('Master key id must be 1-64 characters');
  }
  if (!Buffer.isBuffer(mk.key) || mk.key.length !== KEY_BYTES) {
    throw new TypeError(`Master key must be a Buffer of ${KEY_BYTES} bytes`);
  }
}

/**
 * The salt of a text's commitment: HKDF-SHA256 of the data key with the text's random iv as HKDF
 * salt. Unique per text, and gone with the key: after shredding, the commitment is an HMAC under an
 * unknown 256-bit key, so no dictionary can open it (ADR 0036). RFC 5869 §2.2: "PRK =
 * HMAC-Hash(salt, IKM)", salt being an "optional salt value (a non-secret random value)".
 */
/**
 * HKDF-SHA256 (RFC 5869) of the data key with the IV as salt, written out: the output is one
 * hash long, so expand is a single HMAC block, T(1) = HMAC(PRK, info || 0x01). Byte for byte
 * `hkdfSync('sha256', key, iv, info, 32)` (a test holds it to that) at about half its cost,
 * which counted once per summary of a feed batch (ADR 0044).
 */
function commitmentSalt(key: Buffer, iv: Buffer): Buffer {
  const prk = createHmac('sha256', iv).update(key).digest();
  return createHmac('sha256', prk).update(COMMITMENT_INFO_BLOCK).digest();
}

/**
 * A random 96-bit IV, cut from a pool filled by the CSPRNG: one `randomBytes` call per 1,024 IVs
 * instead of one per encryption. Each IV is still 12 fresh random bytes, used once.
 */
let ivPool = Buffer.alloc(0);
let ivOffset = 0;
function freshIv(): Buffer {
  if (ivOffset + IV_BYTES > ivPool.length) {
    ivPool = randomBytes(IV_BYTES * 1024);
    ivOffset = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivOffset, ivOffset + IV_BYTES));
  ivPool.fill(0, ivOffset, ivOffset + IV_BYTES);
  ivOffset += IV_BYTES;
  return iv;
}

const COMMITMENT_INFO = Buffer.from(`oversight-registry/${TEXT_COMMITMENT}/salt`, 'utf8');
const COMMITMENT_INFO_BLOCK = Buffer.concat([COMMITMENT_INFO, Buffer.of(1)]);

function parseEncrypted(value: EncryptedText): { kid: string; iv: Buffer; ct: Buffer } {
  if (!value || typeof value !== 'object' || value.enc !== ENC || typeof value.kid !== 'string' || !KID.test(value.kid)) {
    throw new DecryptionError('Not an aes-256-gcm EncryptedText');
  }
  const iv = decodeBase64Url(value.iv);
  const ct = decodeBase64Url(value.ct);
  if (!iv || iv.length !== IV_BYTES) throw new DecryptionError('Malformed iv');
  if (!ct || ct.length < TAG_BYTES) throw new DecryptionError('Malformed ciphertext');
  return { kid: value.kid, iv, ct };
}
