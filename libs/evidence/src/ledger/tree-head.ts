import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { canonicalJson } from './canonical-json';

export const LOG_ID = 'oversight-registry';

/** A signed tree head: the bytes signed are exactly `canonicalJson(body)` (checkpoint.json). */
export interface TreeHeadBody {
  log: string;
  treeSize: number;
  rootHash: string;
  issuedAt: string;
  keyId: string;
}

export interface SignedTreeHead extends TreeHeadBody {
  /** Ed25519 signature over the canonical body, base64. */
  signature: string;
}

export function treeHeadBytes(body: TreeHeadBody): Buffer {
  return Buffer.from(canonicalJson({ log: body.log, treeSize: body.treeSize, rootHash: body.rootHash, issuedAt: body.issuedAt, keyId: body.keyId }), 'utf8');
}

export function signTreeHead(body: TreeHeadBody, privateKey: KeyObject): SignedTreeHead {
  return { ...body, signature: sign(null, treeHeadBytes(body), privateKey).toString('base64') };
}

export function verifyTreeHead(head: SignedTreeHead, publicKeyPem: string): boolean {
  try {
    return verify(null, treeHeadBytes(head), createPublicKey(publicKeyPem), Buffer.from(head.signature, 'base64'));
  } catch {
    return false;
  }
}
