import { join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the thread entry `<dir>/<name>.thread`: compiled (dist/, `npm start`, the CLI) the
 * emitted .js; from the TypeScript sources (Jest, the bench) the .ts, after the swc require hook
 * the bench uses. Each entry loads only what it needs, by relative paths.
 */
export function spawnThread(dir: string, name: string, options: WorkerOptions): Worker {
  if (__filename.endsWith('.js')) return new Worker(join(dir, `${name}.thread.js`), options);
  const hook = join(__dirname, '..', '..', '..', 'bench', 'register.js');
  const entry = join(dir, `${name}.thread.ts`);
  return new Worker(`require(${JSON.stringify(hook)}); require(${JSON.stringify(entry)});`, { ...options, eval: true });
}
