import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The second verifier, written from VERIFY.md alone (issue 22, item 6). */
export const PY_VERIFIER = join(__dirname, '..', 'verifier-py', 'verify_bundle.py');

export interface PythonVerdict {
  ok: boolean;
  eventsProven: number;
  redacted: number;
  signedBy: 'pinned-key' | 'bundled-key' | null;
  /** VERIFY.md B.12: texts opened against their commitments, marked not provable, withheld. */
  texts: { proven: number; notProvable: number; withheld: number } | null;
  /** VERIFY.md B.17: access-log entries proven against the anchored access-log head. */
  accessLogProven: number;
  /** Patients of the scope whose access-log extract is proven complete (B.17, the subject tree). */
  accessLogComplete: number;
  problems: Array<{ file?: string; line?: number; position?: number; problem: string }>;
}

/** Fails (no skip) when the machine lacks what the Python verifier runs with: CI is Debian (apt-get install python3 openssl). */
export function requirePythonVerifier(): void {
  for (const [cmd, arg] of [
    ['python3', '--version'],
    ['openssl', 'version'],
  ]) {
    try {
      execFileSync(cmd, [arg], { stdio: 'pipe' });
    } catch {
      throw new Error(`The second bundle verifier (test/verifier-py) needs \`${cmd}\` on the PATH`);
    }
  }
}

/** Runs test/verifier-py/verify_bundle.py; its exit code must match its verdict (0 ok, 1 refused). */
export function verifyWithPython(path: string, args: string[] = []): Promise<PythonVerdict> {
  return new Promise((resolve, reject) => {
    execFile('python3', [PY_VERIFIER, path, ...args], { timeout: 60_000, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: number }).code : 0;
      if (code !== 0 && code !== 1) return reject(new Error(`verify_bundle.py exited ${String(code)}: ${stderr}`));
      const verdict = JSON.parse(stdout) as PythonVerdict;
      if (verdict.ok !== (code === 0)) return reject(new Error(`verify_bundle.py exited ${code} with ok=${verdict.ok}`));
      resolve(verdict);
    });
  });
}
