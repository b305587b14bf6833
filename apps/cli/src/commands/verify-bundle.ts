import type { KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  type AnchorsVerdict,
  certificatesFromPem,
  parseVkey,
  SIG_COSIGNATURE_V1,
  trustedKeyFrom,
  trustedKeySetFrom,
  verifyBundle,
  type Vkey,
} from '@app/evidence/verify';
import { progressCount } from '../progress';

/*
 * `registry verify-bundle`: a module of its own that reaches only the verifier's light entry
 * (@app/evidence/verify), so checking a bundle loads no Nest, TypeORM or database driver: the
 * process starts at ~60 MB instead of ~150 MB (ADR 0049; test/architecture.spec.ts keeps it light).
 */

/** Reads the pinned keys named on the command line; a file that is not a key is a usage error. */
function pinnedKeys(o: { trustedKey?: string; trustedKeys?: string }): KeyObject[] | undefined {
  if (!o.trustedKey && !o.trustedKeys) return undefined;
  const keys: KeyObject[] = [];
  const read = (option: string, file: string, parse: (text: string) => KeyObject[]) => {
    try {
      keys.push(...parse(readFileSync(file, 'utf8')));
    } catch (err) {
      throw new UsageError(`${option} ${file}: ${(err as Error).message}`);
    }
  };
  if (o.trustedKey) read('--trusted-key', o.trustedKey, (t) => [trustedKeyFrom(t)]);
  if (o.trustedKeys) read('--trusted-keys', o.trustedKeys, trustedKeySetFrom);
  return keys;
}

class UsageError extends Error {}

/** The pinned TSA certificate(s) (--trusted-tsa, PEM): anchors' tokens must chain to one. */
function pinnedTsa(file: string | undefined): X509Certificate[] | undefined {
  if (!file) return undefined;
  try {
    return certificatesFromPem(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--trusted-tsa ${file}: ${(err as Error).message}`);
  }
}

/** The pinned witnesses (--trusted-witness, repeatable): cosignature/v1 (0x04) vkeys. */
function pinnedWitnesses(vkeys: string[] | undefined): Vkey[] | undefined {
  if (!vkeys?.length) return undefined;
  return vkeys.map((text) => {
    let vkey: Vkey;
    try {
      vkey = parseVkey(text);
    } catch (err) {
      throw new UsageError(`--trusted-witness ${text}: ${(err as Error).message}`);
    }
    if (vkey.type !== SIG_COSIGNATURE_V1) throw new UsageError(`--trusted-witness ${text}: not a cosignature/v1 (type 0x04) vkey`);
    return vkey;
  });
}

/** Offline check of a bundle; exit code 1 names what failed, 2 a pinned key that cannot be read. */
export async function verifyBundleCommand(
  file: string,
  o: { sha256?: string; json?: boolean; trustedKey?: string; trustedKeys?: string; trustedTsa?: string; trustedWitness?: string[] },
): Promise<void> {
  let trustedKeys: KeyObject[] | undefined;
  let trustedTsa: X509Certificate[] | undefined;
  let trustedWitnesses: Vkey[] | undefined;
  try {
    trustedKeys = pinnedKeys(o);
    trustedTsa = pinnedTsa(o.trustedTsa);
    trustedWitnesses = pinnedWitnesses(o.trustedWitness);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`verify-bundle: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  const counter = progressCount('Checking events', 'lines');
  const report = await verifyBundle(file, {
    expectedSha256: o.sha256,
    trustedKeys,
    trustedTsa,
    trustedWitnesses,
    onProgress: (n) => counter.update(n),
  }).finally(() => counter.stop());
  if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (report.ok) {
    const signer = report.signedBy === 'pinned-key' ? 'a pinned key (--trusted-key/--trusted-keys)' : 'the key inside the bundle alone: not pinned';
    process.stdout.write(
      `OK: ${report.events - report.redacted} events proven in the signed tree of size ${report.treeSize} (root ${report.rootHash}, key ${report.keyId})` +
        `${report.redactedFields ? `, ${report.redactedFields} field(s) redacted (their commitments in recomputed leaves, ADR 0039)` : ''}` +
        `${report.redacted ? `, ${report.redacted} withheld (redacted: in the tree, not shown, not proven)` : ''}; manifests, tree-head signature and signed bundle statement (every payload file's SHA-256) valid\n` +
        `Signature checked with ${signer}\n` +
        anchorsSummary(report.anchors) +
        `Rests on the hospital alone:\n${report.restsOnHospital.map((c) => `  - ${c}`).join('\n')}\n` +
        `Texts: ${report.texts.proven} proven against their commitments, ${report.texts.notProvable} not provable (written before text-commitment-v1), ${report.texts.withheld} shown as erased or unreadable; timeline and report rows derived from the proven events\n` +
        accessLogSummary(report.accessLog),
    );
  } else {
    const where = (p: { file?: string; line?: number; position?: number }) =>
      [p.file, p.line !== undefined ? `line ${p.line}` : '', p.position !== undefined ? `position ${p.position}` : ''].filter(Boolean).join(', ');
    process.stdout.write(`FAILED:\n${report.problems.map((p) => `  - ${where(p) ? `${where(p)}: ` : ''}${p.problem}`).join('\n')}\n`);
  }
  process.exitCode = report.ok ? 0 : 1;
}

/** The access-log extract's line (B.17): entries proven, and patients proven complete by the subject tree (ADR 0050). */
function accessLogSummary(a: Awaited<ReturnType<typeof verifyBundle>>['accessLog']): string {
  if (a.anchorPosition === null) return '';
  return `Access log: ${a.proven} entries proven against the head anchored at position ${a.anchorPosition}; ${a.completeSubjects} patient(s) proven complete through entry #${a.throughSeq}\n`;
}

/** Since when external anchors cover the events, in runs (B.11). */
function anchorsSummary(a: AnchorsVerdict): string {
  return rfc3161Summary(a) + witnessSummary(a);
}

function rfc3161Summary(a: AnchorsVerdict): string {
  const runs = a.anchored.map((r) => `  - positions ${r.firstPosition}–${r.lastPosition} (${r.events} events): anchored since ${r.since}\n`).join('');
  const later = a.unanchored ? `  - ${a.unanchored} later events: not anchored yet\n` : '';
  if (a.checkedAgainst === null) return a.anchored.length ? `External anchors: ${a.anchors} witness cosignatures\n${runs}${later}` : ''; // none in the bundle: the history line under "Rests on the hospital alone" says it
  if (a.checkedAgainst === 'not-pinned') return `External anchors: ${a.anchors}, not checked (no --trusted-tsa)\n${a.anchored.length ? runs + later : ''}`;
  return `External anchors: ${a.anchors} RFC 3161 timestamps checked against the pinned TSA\n${runs}${later}`;
}

/** Witness cosignatures (ADR 0054): checked against pinned vkeys; an unpinned witness's prove nothing. */
function witnessSummary({ witnesses: w }: AnchorsVerdict): string {
  return (
    (w.checked ? `Witness cosignatures: ${w.checked} checked against pinned witness keys (--trusted-witness)\n` : '') +
    (w.unpinned.length ? `Witness cosignatures by ${w.unpinned.join(', ')}: no --trusted-witness key for them, so they prove nothing\n` : '')
  );
}
