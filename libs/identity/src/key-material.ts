import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { decodeBase64Strict } from './encoding';

/** A key-encryption key for the per-subject data keys; `id` is stored beside every wrapped key. */
export interface MasterKey {
  id: string;
  key: Buffer;
}

/** The Ed25519 key pair that signs local (development / embedded) access tokens. */
export interface TokenSigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** RFC 7638 JWK thumbprint of the public key; sent as the JWT `kid` header. */
  kid: string;
}

export interface KeyMaterial {
  /** HMAC key for patient pseudonyms (≥ 32 bytes). Separate from the master key. */
  pseudonymKey: Buffer;
  masterKey: MasterKey;
  tokenSigning: TokenSigningKey;
  /** Signs the ledger's tree heads (LEDGER_SIGNING_KEY_FILE or keys/ledger-signing.pem). */
  ledgerSigning: TokenSigningKey;
}

export const KEYS_DIR = 'keys';
export const PSEUDONYM_KEY_FILE = 'pseudonym.key';
export const MASTER_KEY_FILE = 'master.key';
export const TOKEN_SIGNING_KEY_PEM = 'token-signing.pem';
export const LEDGER_SIGNING_KEY_PEM = 'ledger-signing.pem';

const MIN_PSEUDONYM_KEY_BYTES = 32;
const MASTER_KEY_BYTES = 32;
const MASTER_KEY_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Loads the product's secrets. Each comes from the environment when set, otherwise from a file
 * under `<dataDir>/keys/` that is created (0600, folder 0700) on first use, so the embedded
 * default needs no configuration:
 *
 * - `PSEUDONYM_KEY` (base64, ≥ 32 bytes)            else `keys/pseudonym.key`
 * - `MASTER_KEY` (base64, exactly 32 bytes),
 *   `MASTER_KEY_ID` (optional, default `mk-` + SHA-256 fingerprint prefix) else `keys/master.key`
 * - `TOKEN_SIGNING_KEY_FILE` (PKCS#8 PEM, Ed25519)  else `keys/token-signing.pem`
 *
 * Throws an Error naming the variable or file (never its value) when a key is malformed, and
 * when the pseudonym key and the master key are the same secret.
 */
export function loadKeyMaterial(config: { dataDir: string }, env: NodeJS.ProcessEnv = process.env): KeyMaterial {
  const keysDir = join(config.dataDir, KEYS_DIR);

  const pseudonymKey = nonEmpty(env.PSEUDONYM_KEY)
    ? parsePseudonymKey(env.PSEUDONYM_KEY!, 'PSEUDONYM_KEY')
    : readOrCreate(join(keysDir, PSEUDONYM_KEY_FILE), () => randomBytes(32).toString('base64') + '\n', parsePseudonymKey);

  let masterBytes: Buffer;
  if (nonEmpty(env.MASTER_KEY)) {
    masterBytes = parseMasterKey(env.MASTER_KEY!, 'MASTER_KEY');
  } else {
    if (nonEmpty(env.MASTER_KEY_ID)) {
      // Almost certainly a forgotten MASTER_KEY: silently generating a new one would strand data.
      throw new Error('MASTER_KEY_ID is set but MASTER_KEY is not');
    }
    masterBytes = readOrCreate(join(keysDir, MASTER_KEY_FILE), () => randomBytes(MASTER_KEY_BYTES).toString('base64') + '\n', parseMasterKey);
  }
  const masterKeyId = nonEmpty(env.MASTER_KEY_ID) ? env.MASTER_KEY_ID!.trim() : masterKeyIdOf(masterBytes);
  if (!MASTER_KEY_ID.test(masterKeyId)) {
    throw new Error('MASTER_KEY_ID must be 1-64 characters of A-Z a-z 0-9 . _ : -');
  }

  if (sameSecret(pseudonymKey, masterBytes)) {
    throw new Error('The pseudonym key and the master key must be different secrets');
  }

  // The ledger's checkpoint key is separate: rotating login keys must not touch evidence.
  const ledgerSigning = nonEmpty(env.LEDGER_SIGNING_KEY_FILE)
    ? parseSigningKey(readKeyFile(env.LEDGER_SIGNING_KEY_FILE!.trim(), 'LEDGER_SIGNING_KEY_FILE'), 'LEDGER_SIGNING_KEY_FILE')
    : readOrCreate(join(keysDir, LEDGER_SIGNING_KEY_PEM), newSigningKeyPem, parseSigningKey);

  const tokenSigning = loadTokenSigningKey(config, env);

  return { pseudonymKey, masterKey: { id: masterKeyId, key: masterBytes }, tokenSigning, ledgerSigning };
}

/**
 * Only the key that signs local tokens (`TOKEN_SIGNING_KEY_FILE`, else `<dataDir>/keys/token-signing.pem`):
 * `registry token` needs no other secret, so it neither reads nor creates the others.
 */
export function loadTokenSigningKey(config: { dataDir: string }, env: NodeJS.ProcessEnv = process.env): TokenSigningKey {
  return nonEmpty(env.TOKEN_SIGNING_KEY_FILE)
    ? parseSigningKey(readKeyFile(env.TOKEN_SIGNING_KEY_FILE!.trim(), 'TOKEN_SIGNING_KEY_FILE'), 'TOKEN_SIGNING_KEY_FILE')
    : readOrCreate(join(config.dataDir, KEYS_DIR, TOKEN_SIGNING_KEY_PEM), newSigningKeyPem, parseSigningKey);
}

/** A new master key from a file (base64, 32 bytes), e.g. for `registry keys rotate-master`. */
export function readMasterKeyFile(path: string, id?: string): MasterKey {
  const key = parseMasterKey(readKeyFile(path, path), path);
  const keyId = id?.trim() || masterKeyIdOf(key);
  if (!MASTER_KEY_ID.test(keyId)) throw new Error('The master key id must be 1-64 characters of A-Z a-z 0-9 . _ : -');
  return { id: keyId, key };
}

/**
 * Replaces `<dataDir>/keys/master.key` (embedded mode) after a rotation: written to a private temp
 * file, fsynced, then renamed over the old one, so a crash leaves either key, never half of one.
 */
export function replaceMasterKeyFile(dataDir: string, key: Buffer): void {
  const path = join(dataDir, KEYS_DIR, MASTER_KEY_FILE);
  ensurePrivateDir(dirname(path));
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${key.toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDir(dirname(path));
}

/** Default master key id: `mk-` + the first 16 hex digits of a (domain-separated) SHA-256 of the key. */
export function masterKeyIdOf(key: Buffer): string {
  const digest = createHash('sha256').update('oversight-registry/master-key-id\0').update(key).digest('hex');
  return `mk-${digest.slice(0, 16)}`;
}

/** RFC 7638 thumbprint of an Ed25519 public key (base64url SHA-256 of its canonical JWK). */
export function ed25519Thumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** Builds the signing key triple from an Ed25519 private key. */
export function tokenSigningKeyFrom(privateKey: KeyObject): TokenSigningKey {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error('The token signing key must be an Ed25519 private key');
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, kid: ed25519Thumbprint(publicKey) };
}

function nonEmpty(v: string | undefined): boolean {
  return typeof v === 'string' && v.trim().length > 0;
}

function parsePseudonymKey(text: string, source: string): Buffer {
  const key = decodeBase64Strict(text);
  if (!key) throw new Error(`${source}: not valid base64`);
  if (key.length < MIN_PSEUDONYM_KEY_BYTES) {
    throw new Error(`${source}: must be at least ${MIN_PSEUDONYM_KEY_BYTES} bytes, got ${key.length}`);
  }
  return key;
}

function parseMasterKey(text: string, source: string): Buffer {
  const key = decodeBase64Strict(text);
  if (!key) throw new Error(`${source}: not valid base64`);
  if (key.length !== MASTER_KEY_BYTES) {
    throw new Error(`${source}: must be exactly ${MASTER_KEY_BYTES} bytes, got ${key.length}`);
  }
  return key;
}

function parseSigningKey(pem: string, source: string): TokenSigningKey {
  if (!/-----BEGIN PRIVATE KEY-----/.test(pem)) {
    throw new Error(`${source}: expected an unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY")`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error(`${source}: not a readable PKCS#8 PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`${source}: must be an Ed25519 key, not ${privateKey.asymmetricKeyType ?? 'unknown'}`);
  }
  return tokenSigningKeyFrom(privateKey);
}

function newSigningKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

function readKeyFile(path: string, source: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${source}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
}

function sameSecret(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function ensurePrivateDir(dir: string): void {
  const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is reduced by the umask; make the folder we created exactly 0700.
  if (created !== undefined) chmodSync(dir, 0o700);
}

/**
 * Reads a key file, or creates it with 0600 if missing. Creation is atomic and race-safe between
 * processes: the content is written and fsynced to a private temp file, then hard-linked to the
 * final name (fails if another process won; its file is then read).
 */
function readOrCreate<T>(path: string, create: () => string, parse: (text: string, source: string) => T): T {
  const existing = tryRead(path);
  if (existing !== undefined) return parse(existing, path);

  ensurePrivateDir(dirname(path));
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, create());
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    chmodSync(tmp, 0o600);
    try {
      linkSync(tmp, path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
        // File systems without hard links: exclusive create is still race-safe, if not atomic.
        writeExclusive(path, readFileSync(tmp, 'utf8'));
      }
    }
  } finally {
    unlinkSync(tmp);
  }
  syncDir(dirname(path));
  return parse(readFileSync(path, 'utf8'), path);
}

function writeExclusive(path: string, content: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not supported on every platform (e.g. Windows); the file itself was fsynced.
  }
}
