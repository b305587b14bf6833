import { createHash, type KeyObject, verify as verifySignature } from 'node:crypto';
import { canonicalJson } from '../ledger/canonical-json';
import type { BundleScope } from './scope';

/**
 * The signed bundle statement (VERIFY.md B.14): what the manifests alone cannot protect — which
 * payload files the bundle holds and their SHA-256 (so completeness.json, plaintexts.jsonl and
 * every other payload file), and the bag-info fields a verifier reads (Scope, Log-Positions,
 * Disclosure-Request-Id) — signed at export with the ledger key, bound to the tree head it was
 * signed with. Two tag files at the bag root (RFC 8493 §2.2.4, other tag files): the statement
 * lists the payload's hashes and the tag manifest lists the statement's, so no hash covers itself.
 */
export const BUNDLE_STATEMENT = 'bundle-statement.json';
export const BUNDLE_STATEMENT_SIG = 'bundle-statement.sig';
export const BUNDLE_STATEMENT_VERSION = 'bundle-statement-v1';

/** The members of the statement, exactly (VERIFY.md B.14). */
export const BUNDLE_STATEMENT_MEMBERS = [
  'checkpointSha256',
  'disclosureRequestId',
  'eventCount',
  'keyId',
  'logPositions',
  'payload',
  'rootHash',
  'scope',
  'statement',
  'treeSize',
  'version',
] as const;

export interface BundleStatement {
  version: typeof BUNDLE_STATEMENT_VERSION;
  /** For people: what the registry states by signing. Not checked. */
  statement: string;
  /** SHA-256 of data/checkpoint.json's bytes: the tree head this statement goes with. */
  checkpointSha256: string;
  treeSize: number;
  rootHash: string;
  keyId: string;
  disclosureRequestId: string;
  scope: BundleScope;
  logPositions: 'gap-free' | 'sparse';
  /** Lines of data/events.jsonl. */
  eventCount: number;
  /** Every payload file (exactly manifest-sha256.txt's lines), sorted by path. */
  payload: Array<{ path: string; sha256: string }>;
}

export const BUNDLE_STATEMENT_TEXT =
  'The registry states, with its ledger key, that this bundle was exported with exactly these payload files (SHA-256 each), ' +
  'for this disclosure request, scope and tree head; data/completeness.json among them is its statement of which streams are in view of the scope.';

/** The signed bytes: the statement's canonical JSON (RFC 8785), payload sorted by path in code-unit order. */
export function bundleStatementBytes(s: BundleStatement): Buffer {
  const payload = [...s.payload].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return Buffer.from(canonicalJson({ ...s, payload }), 'utf8');
}

export interface StatementProblem {
  file?: string;
  problem: string;
}

/** What the verifier has read elsewhere in the bag, that the statement must agree with. */
export interface StatementContext {
  checkpointBytes: string;
  head: { treeSize: number; rootHash: string; keyId: string } | null;
  key: KeyObject | null;
  manifest: Map<string, string>;
  bagInfo: (label: string) => string | undefined;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * VERIFY.md B.14: the statement is canonical, signed by the tree head's key, names that head, and
 * states exactly the payload the manifest lists and the bag-info fields a verifier reads. The
 * events count is checked by the caller once events.jsonl is read (it returns it).
 */
export function checkBundleStatement(bytes: Buffer, signature: Buffer, ctx: StatementContext, problems: StatementProblem[]): BundleStatement | null {
  const fail = (problem: string, file = BUNDLE_STATEMENT) => problems.push({ file, problem });
  let s: BundleStatement;
  try {
    s = JSON.parse(bytes.toString('utf8')) as BundleStatement;
  } catch {
    fail('not valid JSON');
    return null;
  }
  if (typeof s !== 'object' || s === null || Array.isArray(s) || canonicalJson(Object.keys(s).sort()) !== canonicalJson([...BUNDLE_STATEMENT_MEMBERS])) {
    fail(`must have exactly the members ${BUNDLE_STATEMENT_MEMBERS.join(', ')}`);
    return null;
  }
  if (canonicalJson(s) !== bytes.toString('utf8')) fail('not in canonical form');
  if ((s.version as string) !== BUNDLE_STATEMENT_VERSION) fail(`version is not ${BUNDLE_STATEMENT_VERSION as string}`);
  if (ctx.key && !verifySignature(null, bytes, ctx.key, signature)) {
    fail('the signature does not match bundle-statement.json and data/public-key.pem', BUNDLE_STATEMENT_SIG);
  }
  const h = ctx.head;
  if (s.checkpointSha256 !== createHash('sha256').update(ctx.checkpointBytes, 'utf8').digest('hex'))
    fail('names another tree head: checkpointSha256 is not the SHA-256 of data/checkpoint.json');
  if (h && (s.treeSize !== h.treeSize || s.rootHash !== h.rootHash || s.keyId !== h.keyId))
    fail('its treeSize, rootHash or keyId differs from data/checkpoint.json');
  // The payload: exactly the manifest's names with the manifest's digests (which are checked against the files).
  if (
    !Array.isArray(s.payload) ||
    !s.payload.every((p) => p && typeof p.path === 'string' && typeof p.sha256 === 'string' && HEX64.test(p.sha256) && Object.keys(p).length === 2)
  ) {
    fail('payload is not a list of {path, sha256}');
  } else {
    const stated = new Map<string, string>();
    let previous = '';
    for (const p of s.payload) {
      if (stated.has(p.path)) fail(`payload lists ${p.path} twice`);
      else if (previous !== '' && !(p.path > previous)) fail('payload is not sorted by path');
      stated.set(p.path, p.sha256);
      previous = p.path;
    }
    for (const [path, digest] of ctx.manifest) {
      const signed = stated.get(path);
      if (signed === undefined) fail(`not in the signed bundle statement: a payload file added after export`, path);
      else if (signed !== digest) fail(`its SHA-256 differs from the signed bundle statement: changed after export`, path);
    }
    for (const path of stated.keys())
      if (!ctx.manifest.has(path)) fail(`in the signed bundle statement but not in manifest-sha256.txt: removed after export`, path);
  }
  // The bag-info fields a verifier reads: as signed.
  if (ctx.bagInfo('Disclosure-Request-Id') !== s.disclosureRequestId) fail('Disclosure-Request-Id differs from the signed bundle statement', 'bag-info.txt');
  if (ctx.bagInfo('Log-Positions') !== s.logPositions) fail('Log-Positions differs from the signed bundle statement', 'bag-info.txt');
  const scope = ctx.bagInfo('Scope');
  let same: boolean;
  try {
    same = scope !== undefined && canonicalJson(JSON.parse(scope)) === canonicalJson(s.scope);
  } catch {
    same = false;
  }
  if (!same) fail('Scope differs from the signed bundle statement', 'bag-info.txt');
  return s;
}
