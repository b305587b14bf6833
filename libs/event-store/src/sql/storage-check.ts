import { accessSync, constants, existsSync, statfsSync } from 'node:fs';
import { type StoreFault, StoreUnavailableError } from '../errors';
import type { StorageConfig } from '../storage-config';

/** Below this much free space in the data folder the store is reported full (health 503). */
export const MIN_FREE_BYTES = 1024 * 1024;

export interface StorageProblem {
  fault: Exclude<StoreFault, 'unreachable'>;
  detail: string;
}

/**
 * Whether the data folder (SQLite file, keys, bundles) can take writes: read-only (mounted `ro`,
 * no permission) or (nearly) out of space. Cheap enough for every /health call.
 */
export function storageProblem(config: Pick<StorageConfig, 'kind' | 'dataDir' | 'sqliteFile'>): StorageProblem | undefined {
  const paths = [config.dataDir, ...(config.kind === 'sqlite' && existsSync(config.sqliteFile) ? [config.sqliteFile] : [])];
  for (const path of paths) {
    if (!existsSync(path)) continue;
    try {
      accessSync(path, constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return { fault: 'read-only', detail: `${path} is not writable (${code})` };
    }
  }
  if (existsSync(config.dataDir)) {
    const fs = statfsSync(config.dataDir);
    const free = fs.bavail * fs.bsize;
    if (free < MIN_FREE_BYTES) return { fault: 'disk-full', detail: `${config.dataDir} has ${free} bytes free` };
  }
  return undefined;
}

/**
 * SQLite needs write access to its folder even to open the file (WAL and shared-memory files):
 * say so plainly instead of retrying "unable to open database file".
 */
export function assertStorageWritable(config: StorageConfig): void {
  if (config.kind !== 'sqlite') return;
  const problem = storageProblem(config);
  if (problem?.fault === 'read-only') {
    throw new StoreUnavailableError(
      `The data folder is read-only: ${problem.detail}. The registry needs write access to its SQLite file and folder (DATA_DIR); nothing was changed.`,
      undefined,
      'read-only',
    );
  }
}
