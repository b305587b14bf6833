import { openDataSource, storageConfigFromEnv } from '@app/event-store';

export async function migrate(revert: boolean): Promise<void> {
  const config = { ...storageConfigFromEnv(), migrationsRun: false };
  const ds = await openDataSource(config);
  try {
    if (revert) {
      await ds.undoLastMigration({ transaction: 'each' });
      process.stdout.write('Reverted the most recent migration\n');
    } else {
      const done = await ds.runMigrations({ transaction: 'each' });
      process.stdout.write(done.length ? `Applied: ${done.map((m) => m.name).join(', ')}\n` : 'Schema is up to date\n');
    }
  } finally {
    await ds.destroy();
  }
}
