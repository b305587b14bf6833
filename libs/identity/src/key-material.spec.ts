import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKeyMaterial, masterKeyIdOf } from './key-material';

const posix = process.platform !== 'win32';

describe('loadKeyMaterial', () => {
  const dirs: string[] = [];
  const newDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'identity-keys-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('creates the key files on first use with 0600 (folder 0700) and reuses them', () => {
    const dataDir = newDir();
    const first = loadKeyMaterial({ dataDir }, {});
    const keys = join(dataDir, 'keys');
    for (const f of ['pseudonym.key', 'master.key', 'token-signing.pem']) {
      expect(existsSync(join(keys, f))).toBe(true);
      if (posix) expect(statSync(join(keys, f)).mode & 0o777).toBe(0o600);
    }
    if (posix) expect(statSync(keys).mode & 0o777).toBe(0o700);

    expect(first.pseudonymKey).toHaveLength(32);
    expect(first.masterKey.key).toHaveLength(32);
    expect(first.masterKey.id).toBe(masterKeyIdOf(first.masterKey.key));
    expect(first.masterKey.id).toMatch(/^mk-[0-9a-f]{16}$/);
    expect(first.pseudonymKey.equals(first.masterKey.key)).toBe(false);
    expect(first.tokenSigning.privateKey.asymmetricKeyType).toBe('ed25519');
    expect(first.tokenSigning.publicKey.type).toBe('public');
    expect(first.tokenSigning.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(join(keys, 'token-signing.pem'), 'utf8')).toContain('BEGIN PRIVATE KEY');

    const second = loadKeyMaterial({ dataDir }, {});
    expect(second.pseudonymKey.equals(first.pseudonymKey)).toBe(true);
    expect(second.masterKey).toEqual(first.masterKey);
    expect(second.tokenSigning.kid).toBe(first.tokenSigning.kid);
    expect(second.tokenSigning.publicKey.equals(first.tokenSigning.publicKey)).toBe(true);
  });

  it('gives different keys to different data folders', () => {
    const a = loadKeyMaterial({ dataDir: newDir() }, {});
    const b = loadKeyMaterial({ dataDir: newDir() }, {});
    expect(a.pseudonymKey.equals(b.pseudonymKey)).toBe(false);
    expect(a.masterKey.key.equals(b.masterKey.key)).toBe(false);
  });

  it('takes keys from the environment over files, and creates no files for them', () => {
    const dataDir = newDir();
    const pseudonym = randomBytes(48);
    const master = randomBytes(32);
    const pemDir = newDir();
    const pemFile = join(pemDir, 'signing.pem');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(pemFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const ledgerPem = join(pemDir, 'ledger.pem');
    const ledger = generateKeyPairSync('ed25519');
    writeFileSync(ledgerPem, ledger.privateKey.export({ format: 'pem', type: 'pkcs8' }));

    const km = loadKeyMaterial(
      { dataDir },
      {
        PSEUDONYM_KEY: pseudonym.toString('base64'),
        MASTER_KEY: master.toString('base64url'),
        MASTER_KEY_ID: 'mk-2026-01',
        TOKEN_SIGNING_KEY_FILE: pemFile,
        LEDGER_SIGNING_KEY_FILE: ledgerPem,
      },
    );
    expect(km.ledgerSigning.publicKey.equals(ledger.publicKey)).toBe(true);
    expect(km.pseudonymKey.equals(pseudonym)).toBe(true);
    expect(km.masterKey).toEqual({ id: 'mk-2026-01', key: master });
    expect(km.tokenSigning.publicKey.equals(publicKey)).toBe(true);
    expect(existsSync(join(dataDir, 'keys'))).toBe(false);

    // Files exist, env still wins; master key id defaults to the fingerprint.
    loadKeyMaterial({ dataDir }, {});
    const again = loadKeyMaterial({ dataDir }, { MASTER_KEY: master.toString('base64') });
    expect(again.masterKey).toEqual({ id: masterKeyIdOf(master), key: master });
  });

  it('throws a clear error on malformed keys', () => {
    const dataDir = newDir();
    const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [{ PSEUDONYM_KEY: 'not base64 !!' }, /PSEUDONYM_KEY: not valid base64/],
      [{ PSEUDONYM_KEY: randomBytes(16).toString('base64') }, /PSEUDONYM_KEY: must be at least 32 bytes/],
      [{ MASTER_KEY: 'zz*zz' }, /MASTER_KEY: not valid base64/],
      [{ MASTER_KEY: randomBytes(31).toString('base64') }, /MASTER_KEY: must be exactly 32 bytes/],
      [{ MASTER_KEY: randomBytes(33).toString('base64') }, /MASTER_KEY: must be exactly 32 bytes/],
      [{ MASTER_KEY: randomBytes(32).toString('base64'), MASTER_KEY_ID: 'bad id/with slash' }, /MASTER_KEY_ID/],
      [{ MASTER_KEY_ID: 'mk-1' }, /MASTER_KEY_ID is set but MASTER_KEY is not/],
      [{ TOKEN_SIGNING_KEY_FILE: join(dataDir, 'missing.pem') }, /TOKEN_SIGNING_KEY_FILE: cannot read/],
    ];
    for (const [env, message] of cases) expect(() => loadKeyMaterial({ dataDir }, env)).toThrow(message);
  });

  it('rejects a signing key file that is not a PKCS#8 Ed25519 key', () => {
    const dir = newDir();
    const rsa = join(dir, 'rsa.pem');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    const pub = join(dir, 'pub.pem');
    writeFileSync(pub, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
    expect(() => loadKeyMaterial({ dataDir: dir }, { TOKEN_SIGNING_KEY_FILE: rsa })).toThrow(/Ed25519/);
    expect(() => loadKeyMaterial({ dataDir: dir }, { TOKEN_SIGNING_KEY_FILE: junk })).toThrow(/PKCS#8/);
    expect(() => loadKeyMaterial({ dataDir: dir }, { TOKEN_SIGNING_KEY_FILE: pub })).toThrow(/PKCS#8/);
  });

  it('refuses the same secret as pseudonym key and master key', () => {
    const same = randomBytes(32).toString('base64');
    expect(() => loadKeyMaterial({ dataDir: newDir() }, { PSEUDONYM_KEY: same, MASTER_KEY: same })).toThrow(/different secrets/);
  });

  it('throws when a key file is corrupted, naming the file but not the content', () => {
    const dataDir = newDir();
    loadKeyMaterial({ dataDir }, {});
    writeFileSync(join(dataDir, 'keys', 'master.key'), 'c2hvcnQ=\n');
    expect(() => loadKeyMaterial({ dataDir }, {})).toThrow(/master\.key: must be exactly 32 bytes/);
  });
});
