import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The `registry token` line the start banner prints, prefixed with what makes it find this
 * server's signing key from another terminal: that shell may lack the DATA_DIR or
 * TOKEN_SIGNING_KEY_FILE this server got, and `npm run` runs in the package folder, not in the
 * folder the server was started from (a relative ./data would name another folder).
 */
export function tokenCommandFor(dataDir: string, env: NodeJS.ProcessEnv = process.env, packageRoot = packageRootOf(__dirname)): string {
  const keyFile = env.TOKEN_SIGNING_KEY_FILE?.trim();
  let prefix = '';
  if (keyFile) prefix = `TOKEN_SIGNING_KEY_FILE=${shellQuote(resolve(keyFile))} `;
  else if (resolve(dataDir) !== resolve(packageRoot, 'data')) prefix = `DATA_DIR=${shellQuote(resolve(dataDir))} `;
  return `${prefix}npm run --silent registry -- token --role clinician --sub alice`;
}

/** The folder of the nearest package.json above `dir` (where `npm run` runs the command). */
export function packageRootOf(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) return process.cwd();
  }
}

/** POSIX shell quoting: plain paths stay readable, anything else goes in single quotes. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
