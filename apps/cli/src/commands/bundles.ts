import { copyFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '@app/api';
import { BUNDLE_EXPORT_ROLES, BundleExports } from '@app/disclosure';
import { Workers } from '@app/event-store';
import { progressBar } from '../progress';

/** Exports a bundle for a disclosure request as `--as` in `--role`, recorded like an API export, under the API's role rule. */
export async function exportBundleCommand(o: { request: string; out: string; as: string; role: string }): Promise<void> {
  // Before anything starts: a role the API would answer 403 writes nothing here either.
  if (!(BUNDLE_EXPORT_ROLES as readonly string[]).includes(o.role)) {
    throw new Error(`--role ${o.role} may not export a bundle (the API allows ${BUNDLE_EXPORT_ROLES.join(', ')})`);
  }
  Workers.autoStart = false;
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(), { logger: ['error', 'warn'] });
  try {
    const exports = app.get(BundleExports);
    const { job: running, done } = await exports.start(o.request, { subject: o.as, role: o.role });
    const bar = progressBar('bundle');
    bar.update(0, 1, 'sealing');
    const poll = setInterval(() => bar.update(running.progress.done, running.progress.total, running.progress.phase), 200);
    const job = await done.finally(() => {
      clearInterval(poll);
      bar.stop();
    });
    if (job.status !== 'done') throw new Error(`export failed: ${job.error}`);
    copyFileSync(exports.fileOf(job.bundleId), o.out);
    process.stdout.write(`Wrote ${o.out}: ${job.eventCount} events, ${job.byteSize} bytes, SHA-256 ${job.bundleSha256}\n`);
  } finally {
    await app.close();
  }
}
