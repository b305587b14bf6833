import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

/**
 * Pinned trust for verify-bundle: the reader's own copy of the hospital's ledger key, so that a
 * bundle re-signed with another key fails instead of verifying against the key it ships.
 */

function ed25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${what} is an ${key.asymmetricKeyType} key, not Ed25519`);
  // A private key given by mistake pins its public half; nothing private is kept.
  return key.type === 'private' ? createPublicKey(key) : key;
}

function fromJwk(jwk: unknown, what: string): KeyObject {
  if (
    typeof jwk !== 'object' ||
    jwk === null ||
    (jwk as JsonWebKey).kty !== 'OKP' ||
    (jwk as JsonWebKey).crv !== 'Ed25519' ||
    typeof (jwk as JsonWebKey).x !== 'string'
  ) {
    throw new Error(`${what} is not an Ed25519 JWK (kty OKP, crv Ed25519, x)`);
  }
  const { kty, crv, x } = jwk as JsonWebKey;
  return createPublicKey({ key: { kty, crv, x }, format: 'jwk' });
}

/** One key: a PEM public key (SPKI) or a JWK (`--trusted-key`). */
export function trustedKeyFrom(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN')) return ed25519(createPublicKey(trimmed), 'the PEM key');
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    throw new Error('neither a PEM public key nor a JSON Web Key');
  }
  return ed25519(fromJwk(json, 'the JWK'), 'the JWK');
}

/** Every key of a JWK Set (`--trusted-keys`), e.g. the registry's /.well-known/oversight-registry-keys. */
export function trustedKeySetFrom(text: string): KeyObject[] {
  let json: { keys?: unknown };
  try {
    json = JSON.parse(text) as { keys?: unknown };
  } catch {
    throw new Error('not JSON');
  }
  if (!Array.isArray(json?.keys) || json.keys.length === 0) throw new Error('not a JWK Set: no "keys" array with at least one key');
  return json.keys.map((k, i) => ed25519(fromJwk(k, `keys[${i}]`), `keys[${i}]`));
}
