import { createHmac } from 'node:crypto';

export const PSEUDONYM_PREFIX = 'p-';
/** Characters of the base64url HMAC kept after the prefix: 32 chars = 192 bits. */
export const PSEUDONYM_HASH_CHARS = 32;
export const MAX_PATIENT_ID_LENGTH = 128;

const PSEUDONYM_SOURCE = `${PSEUDONYM_PREFIX}[A-Za-z0-9_-]{${PSEUDONYM_HASH_CHARS}}`;
/** A whole string that is a pseudonym: `p-` + 32 base64url characters. The one definition. */
export const PSEUDONYM_PATTERN = new RegExp(`^${PSEUDONYM_SOURCE}$`);
/** A pseudonym anywhere in a text (a log line, a mail, a file): what must not leak there. */
export const PSEUDONYM_IN_TEXT = new RegExp(PSEUDONYM_SOURCE);

/** True when `s` has the pseudonym format `p-` + 32 base64url characters. */
export function isPseudonym(s: unknown): s is string {
  return typeof s === 'string' && PSEUDONYM_PATTERN.test(s);
}

/**
 * The canonical form of a patient identifier: Unicode NFKC, surrounding whitespace trimmed,
 * whitespace and dashes inside removed, upper-cased — so `' nl-123 456 '` and `'NL123456'` are
 * the same patient. Throws a TypeError (which never contains the identifier) when the result is
 * empty or longer than 128 characters.
 */
export function normalisePatientId(patientId: string): string {
  if (typeof patientId !== 'string') throw new TypeError('Patient id must be a string');
  const normalised = patientId
    .normalize('NFKC')
    .trim()
    .replace(/[\s\p{Pd}]+/gu, '')
    .toUpperCase();
  if (normalised.length === 0) throw new TypeError('Patient id is empty');
  if (normalised.length > MAX_PATIENT_ID_LENGTH) {
    throw new TypeError(`Patient id is longer than ${MAX_PATIENT_ID_LENGTH} characters`);
  }
  return normalised;
}

/**
 * Turns hospital patient identifiers into stable pseudonyms:
 *
 *     pseudonym = 'p-' + base64url(HMAC-SHA-256(key, normalisePatientId(patientId))).slice(0, 32)
 *
 * The HMAC is keyed with the pseudonym key (a secret separate from the master key), so a
 * pseudonym cannot be reversed or recomputed by someone who only has the data. The 32 base64url
 * characters keep 192 of the 256 HMAC bits: collisions are negligible at any realistic scale.
 *
 * The raw identifier is never logged, stored or put in an error message.
 */
export class Pseudonymizer {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (!Buffer.isBuffer(key) || key.length < 32) {
      throw new TypeError('The pseudonym key must be a Buffer of at least 32 bytes');
    }
    this.#key = Buffer.from(key);
  }

  pseudonymise(patientId: string): string {
    const digest = createHmac('sha256', this.#key).update(normalisePatientId(patientId), 'utf8').digest('base64url');
    return PSEUDONYM_PREFIX + digest.slice(0, PSEUDONYM_HASH_CHARS);
  }

  /** Keeps the key out of logs and JSON. */
  toJSON(): string {
    return 'Pseudonymizer';
  }
}
