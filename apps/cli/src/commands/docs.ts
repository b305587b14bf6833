import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '@app/api';
import { storageConfigFromEnv, Workers } from '@app/event-store';
import { rolesMarkdown, routeRoles } from '@app/identity';

/** Writes the route-by-role matrix (docs/roles.md) from the metadata the guard enforces. */
export async function docsRoles(out: string | undefined): Promise<void> {
  // A throw-away embedded store: the matrix depends on code only, never on data.
  const dataDir = mkdtempSync(join(tmpdir(), 'registry-docs-'));
  Workers.autoStart = false;
  const app = await createApp(storageConfigFromEnv({ DATA_DIR: dataDir }));
  try {
    const markdown = rolesMarkdown(routeRoles(app));
    if (out) writeFileSync(out, markdown);
    else process.stdout.write(markdown);
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
