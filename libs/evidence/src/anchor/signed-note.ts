import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/**
 * C2SP signed notes, checkpoints and Ed25519 cosignatures (issue 22, build 3; ADR 0054), written
 * from c2sp.org/signed-note, c2sp.org/tlog-checkpoint and c2sp.org/tlog-cosignature. Pure: no
 * I/O, so the witness client, the bundle verifier and the test witness share one reading of the
 * specs. The rules are quoted briefly next to the code that applies them.
 */

export class NoteError extends Error {}

/** signed-note "Signature types": 0x01 Ed25519 over the note text; 0x04 timestamped Ed25519 cosignature. */
export const SIG_ED25519 = 0x01;
export const SIG_COSIGNATURE_V1 = 0x04;

/** "Verifiers … MUST accept at least up to 16 signatures": we accept 64 and no more. */
export const MAX_NOTE_SIGNATURES = 64;
/** A checkpoint note is a few hundred bytes; this bounds what a bundle line or a witness reply may make us parse. */
export const MAX_NOTE_BYTES = 16_384;

const EM_DASH = '\u2014';
/** RFC 4648 §4, padded, nothing else. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** "Key names MUST be non-empty and MUST NOT contain any Unicode spaces or plus (U+002B)". */
const KEY_NAME = /^[^\s\p{Zs}+]+$/u;

export interface NoteSignature {
  name: string;
  /** uint32, big-endian first four bytes of the decoded signature. */
  keyId: number;
  /** The bytes after the key id. */
  signature: Buffer;
  /** The line as it appeared, without its newline. */
  line: string;
}

export interface Note {
  /** The note text, with its final newline, without the blank separating line. */
  text: string;
  signatures: NoteSignature[];
}

export function isKeyName(name: string): boolean {
  return name.length > 0 && KEY_NAME.test(name);
}

export function decodeBase64Strict(s: string): Buffer {
  if (!BASE64.test(s)) throw new NoteError('not standard padded base64');
  const bytes = Buffer.from(s, 'base64');
  // Canonical too: unused bits zero, so one value has one spelling (RFC 4648 §3.5).
  if (bytes.toString('base64') !== s) throw new NoteError('not canonical base64 (non-zero padding bits)');
  return bytes;
}

/** "— <key name> base64(32-bit key ID || signature)" */
export function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(`${EM_DASH} `)) throw new NoteError('a signature line starts with an em dash and a space');
  const rest = line.slice(2);
  const space = rest.indexOf(' ');
  if (space < 0 || rest.indexOf(' ', space + 1) >= 0) throw new NoteError('a signature line is "— <name> <base64>"');
  const name = rest.slice(0, space);
  if (!isKeyName(name)) throw new NoteError('a key name is non-empty, without spaces or "+"');
  const raw = decodeBase64Strict(rest.slice(space + 1));
  // "Signatures are the base64 encoding of 4+n bytes."
  if (raw.length < 5) throw new NoteError('a signature is a 4-byte key id and at least one byte');
  return { name, keyId: raw.readUInt32BE(0), signature: raw.subarray(4), line };
}

/**
 * Parses a signed note with the spec's strictness: valid UTF-8, no control character but
 * newline, a text ending in newline, a blank line, one or more signature lines each ending in
 * newline; "the text is separated from the signatures by the last empty line in the note".
 */
export function parseNote(input: string | Buffer): Note {
  let bytes: Buffer;
  if (typeof input === 'string') bytes = Buffer.from(input, 'utf8');
  else bytes = input;
  if (bytes.length > MAX_NOTE_BYTES) throw new NoteError(`a note of more than ${MAX_NOTE_BYTES} bytes`);
  let s: string;
  try {
    s = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new NoteError('a note is valid UTF-8');
  }
  if (typeof input === 'string' && s !== input) throw new NoteError('a note is valid UTF-8');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f]/.test(s)) throw new NoteError('a note holds no control character but newline');
  if (!s.endsWith('\n')) throw new NoteError('a note ends with a newline');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('a note has a blank line before its signatures');
  const text = s.slice(0, split + 1);
  const lines = s.slice(split + 2, -1).split('\n');
  if (lines.length === 1 && lines[0] === '') throw new NoteError('a note has at least one signature');
  if (lines.length > MAX_NOTE_SIGNATURES) throw new NoteError(`a note with more than ${MAX_NOTE_SIGNATURES} signatures`);
  return { text, signatures: lines.map(parseSignatureLine) };
}

export function formatNote(text: string, signatureLines: string[]): string {
  return `${text}\n${signatureLines.map((l) => `${l}\n`).join('')}`;
}

/** "key ID = SHA-256(key name || 0x0A || signature type || public key)[:4]", as a uint32. */
export function noteKeyId(name: string, type: number, publicKey: Buffer): number {
  return createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.from([type]), publicKey]))
    .digest()
    .readUInt32BE(0);
}

export function keyIdHex(id: number): string {
  return id.toString(16).padStart(8, '0');
}

/** A verifier key: "<key name>+hex(32-bit key ID)+base64(signature type || public key)". */
export interface Vkey {
  name: string;
  keyId: number;
  type: number;
  /** The 32-byte Ed25519 public key (the only kinds read here: 0x01 and 0x04). */
  publicKey: Buffer;
}

export function parseVkey(text: string): Vkey {
  // The name has no "+"; the base64 may: split at the first two.
  const m = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(text.trim());
  if (!m) throw new NoteError('a vkey is <name>+<8 hex>+<base64>');
  const [, name, idHex, keyB64] = m;
  if (!isKeyName(name)) throw new NoteError('a vkey name is non-empty, without spaces or "+"');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new NoteError('a vkey key id is 8 lower-case hex digits');
  const material = decodeBase64Strict(keyB64);
  const type = material[0];
  if (type !== SIG_ED25519 && type !== SIG_COSIGNATURE_V1) throw new NoteError('only Ed25519 (0x01) and cosignature/v1 (0x04) vkeys are read');
  const publicKey = material.subarray(1);
  if (publicKey.length !== 32) throw new NoteError('an Ed25519 public key is 32 bytes');
  const keyId = parseInt(idHex, 16);
  // "The key ID for Ed25519 cosignatures MUST be computed as …"; for 0x01 the same derivation is the spec's.
  if (noteKeyId(name, type, publicKey) !== keyId) throw new NoteError('the vkey key id is not SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4]');
  return { name, keyId, type, publicKey };
}

export function formatVkey(name: string, type: number, publicKey: Buffer): string {
  return `${name}+${keyIdHex(noteKeyId(name, type, publicKey))}+${Buffer.concat([Buffer.from([type]), publicKey]).toString('base64')}`;
}

/** The raw 32-byte Ed25519 public key of a key object (private or public). */
export function rawEd25519PublicKey(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return Buffer.from(pub.export({ format: 'jwk' }).x!, 'base64url');
}

export function ed25519PublicKey(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** An Ed25519 private key from its 32-byte RFC 8032 seed (PKCS #8: a fixed prefix, then the seed). */
export function ed25519PrivateKey(seed: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
}

function signatureLine(name: string, keyId: number, signature: Buffer): string {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(keyId >>> 0, 0);
  return `${EM_DASH} ${name} ${Buffer.concat([id, signature]).toString('base64')}`;
}

/** A 0x01 signature line: "Ed25519 signatures are generated according to RFC 8032 over the note text." */
export function signNoteText(text: string, name: string, privateKey: KeyObject): string {
  const id = noteKeyId(name, SIG_ED25519, rawEd25519PublicKey(privateKey));
  return signatureLine(name, id, sign(null, Buffer.from(text, 'utf8'), privateKey));
}

/**
 * The signatures of `note` by the known keys, checked: "Verifiers MUST ignore signatures from
 * unknown keys … If the key name and ID match a known key, verifiers MUST verify the signature";
 * a known key whose signature fails rejects the note ("SHOULD reject the whole note"), and so does
 * a note no known key signed ("MUST reject"). Only 0x01 keys here; cosignatures: verifyCosignature.
 */
export function verifyNote(note: Note, known: Vkey[]): NoteSignature[] {
  const verified: NoteSignature[] = [];
  for (const sig of note.signatures) {
    const key = known.find((k) => k.type === SIG_ED25519 && k.name === sig.name && k.keyId === sig.keyId);
    if (!key) continue;
    if (!verify(null, Buffer.from(note.text, 'utf8'), ed25519PublicKey(key.publicKey), sig.signature)) {
      throw new NoteError(`the signature of ${sig.name} does not verify`);
    }
    verified.push(sig);
  }
  if (verified.length === 0) throw new NoteError('no known key signed the note');
  return verified;
}

// ---------------------------------------------------------------- tlog-checkpoint

export interface Checkpoint {
  origin: string;
  treeSize: number;
  /** The 32-byte RFC 6962 root. */
  rootHash: Buffer;
  extensions: string[];
}

/** "origin / tree size / base64 root hash", each line ending in newline; no extension lines from us. */
export function checkpointText(origin: string, treeSize: number, rootHash: Buffer): string {
  if (!isKeyName(origin)) throw new NoteError('the origin is non-empty, without spaces or "+"');
  return `${origin}\n${treeSize}\n${rootHash.toString('base64')}\n`;
}

/** A checkpoint's note text: at least three non-empty lines; size without leading zeroes; a 32-byte root. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new NoteError('a checkpoint text ends with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new NoteError('a checkpoint has an origin, a tree size and a root hash');
  if (lines.some((l) => l === '')) throw new NoteError('checkpoint lines are non-empty');
  const [origin, size, root, ...extensions] = lines;
  if (!/^(0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) throw new NoteError('the tree size is decimal without leading zeroes');
  const rootHash = decodeBase64Strict(root);
  if (rootHash.length !== 32) throw new NoteError('the root hash is 32 bytes');
  return { origin, treeSize: Number(size), rootHash, extensions };
}

// ---------------------------------------------------------------- tlog-cosignature (Ed25519, 0x04)

/** "cosignature/v1\n" "time <POSIX seconds>\n" then the whole checkpoint note text. */
export function cosignedMessage(text: string, time: number): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${time}\n${text}`, 'utf8');
}

/** A cosignature line: key id (0x04), then timestamped_signature = u64 big-endian timestamp ‖ 64-byte signature. */
export function cosign(text: string, name: string, privateKey: KeyObject, time: number): string {
  const id = noteKeyId(name, SIG_COSIGNATURE_V1, rawEd25519PublicKey(privateKey));
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(time), 0);
  return signatureLine(name, id, Buffer.concat([ts, sign(null, cosignedMessage(text, time), privateKey)]));
}

export interface Cosignature {
  witness: string;
  /** timestamped_signature.timestamp, POSIX seconds. */
  time: number;
  line: string;
}

/**
 * Checks one signature line as a cosignature by `witness` (a 0x04 vkey) of the checkpoint `text`.
 * Returns null when the line is not by that key (name and id both must match: "ignore any
 * cosignatures from unknown keys"); throws when it is and does not verify.
 */
export function verifyCosignature(text: string, sig: NoteSignature, witness: Vkey): Cosignature | null {
  if (witness.type !== SIG_COSIGNATURE_V1) throw new NoteError('a witness key is a cosignature/v1 (0x04) vkey');
  if (sig.name !== witness.name || sig.keyId !== witness.keyId) return null;
  if (sig.signature.length !== 8 + 64) throw new NoteError(`the cosignature of ${sig.name} is not a u64 timestamp and a 64-byte signature`);
  const t = sig.signature.readBigUInt64BE(0);
  // "It MUST NOT exceed 2^63 - 1"; a witness "MUST NOT omit the timestamp" (tlog-witness); seconds fit a double up to 2^53.
  if (t === 0n || t > BigInt(Number.MAX_SAFE_INTEGER)) throw new NoteError(`the cosignature of ${sig.name} has no usable timestamp`);
  const time = Number(t);
  if (!verify(null, cosignedMessage(text, time), ed25519PublicKey(witness.publicKey), sig.signature.subarray(8))) {
    throw new NoteError(`the cosignature of ${sig.name} does not verify`);
  }
  return { witness: sig.name, time, line: sig.line };
}

/** A cosignature's time as the anchors table and bundles write it: ISO 8601 UTC, milliseconds 000. */
export function cosignatureTime(time: number): string {
  return new Date(time * 1000).toISOString();
}
