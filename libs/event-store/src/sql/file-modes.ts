import { chmodSync } from 'node:fs';

export interface FileModes {
  /** Mode of every file the registry writes (database, WAL, bundles, blobs, keys). */
  file: number;
  /** Mode of the folders it creates: the file mode plus search (x) wherever reading is allowed. */
  dir: number;
}

/**
 * `FILE_MODE` (octal, default `600`): who may read the files at rest. They hold patient
 * pseudonyms, encrypted free text and, in bundles, evidence, so other local users get nothing
 * unless an operator decides otherwise (e.g. `640` for a backup group). Execute bits and modes
 * that lock the registry out of its own files are refused at start.
 */
export function fileModesFromEnv(env: NodeJS.ProcessEnv = process.env): FileModes {
  const raw = env.FILE_MODE?.trim() || '600';
  const file = /^0?[0-7]{3}$/.test(raw) ? parseInt(raw, 8) : NaN;
  if (!Number.isInteger(file) || (file & 0o111) !== 0 || (file & 0o600) !== 0o600) {
    throw new Error(`FILE_MODE must be an octal file mode with owner read and write and no execute bits, e.g. 600 or 640 (got "${raw}")`);
  }
  return { file, dir: file | ((file & 0o444) >> 2) };
}

/**
 * Every file and folder this process creates from now on gets at most the configured modes: a
 * umask covers what we write ourselves and what libraries write for us (SQLite's -wal and -shm,
 * streams of bundles and blobs, `.partial` files), so no writer can forget it.
 */
export function restrictNewFiles(env: NodeJS.ProcessEnv = process.env): FileModes {
  const modes = fileModesFromEnv(env);
  process.umask(0o777 & ~modes.dir);
  return modes;
}

/** Tightens files written before the umask existed (an upgraded data folder); absent ones are skipped. */
export function tightenExisting(paths: readonly string[], mode: number): void {
  for (const path of paths) {
    try {
      chmodSync(path, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
