/** Strict base64 / base64url decoding shared by the key loaders (no silent skipping of junk). */

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Decodes standard base64 (with or without padding) or base64url. Returns undefined when the text
 * is not valid base64: Node's own decoder silently ignores invalid characters, which would turn a
 * typo in a key into a different (weaker) key.
 */
export function decodeBase64Strict(text: string): Buffer | undefined {
  const s = text.trim();
  if (s.length === 0) return undefined;
  if (s.length % 4 === 1) return undefined;
  let buf: Buffer;
  if (BASE64.test(s)) buf = Buffer.from(s, 'base64');
  else if (BASE64URL.test(s)) buf = Buffer.from(s, 'base64url');
  else return undefined;
  // Reject non-canonical trailing bits / bad padding: re-encoding must give the same text.
  const unpadded = s.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  if (buf.toString('base64url') !== unpadded) return undefined;
  if (s.includes('=') && buf.toString('base64') !== s) return undefined;
  return buf;
}

/** Decodes base64url exactly (as written by this library); undefined when malformed. */
export function decodeBase64Url(text: unknown): Buffer | undefined {
  if (typeof text !== 'string' || text.length === 0 || !BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const buf = Buffer.from(text, 'base64url');
  return buf.toString('base64url') === text ? buf : undefined;
}
