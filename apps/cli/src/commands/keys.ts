import { operatorActor } from './operator';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '@app/api';
import { EVENT_STORE, type EventStore, storageConfigFromEnv, Workers } from '@app/event-store';
import { KEY_MATERIAL, type KeyMaterial, readMasterKeyFile, replaceMasterKeyFile, SubjectKeyStore } from '@app/identity';

/**
 * Master-key rotation: re-wraps every live subject data key under the new master key (events are
 * not touched: they hold ciphertext under the data keys), records `identity.MasterKeyRotated`, and
 * in embedded mode replaces keys/master.key. With MASTER_KEY in the environment the operator swaps
 * it afterwards. Stop other processes first, or run again after restarting them: a rerun re-wraps
 * whatever they wrapped under the old key in between.
 */
export async function rotateMasterKey(o: { newKeyFile: string; newKeyId?: string }): Promise<void> {
  const config = storageConfigFromEnv();
  const next = readMasterKeyFile(o.newKeyFile, o.newKeyId);
  Workers.autoStart = false;
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: ['error', 'warn'] });
  try {
    const current = app.get<KeyMaterial>(KEY_MATERIAL).masterKey;
    if (current.key.equals(next.key)) throw new Error('The new master key is the key in use');
    if (current.id === next.id) throw new Error(`The new master key needs a new id (${next.id} is in use)`);
    const rewrapped = await app.get(SubjectKeyStore).rewrap(next);
    const actor = operatorActor('admin');
    await app
      .get<EventStore>(EVENT_STORE)
      .append(
        'master-keys',
        [{ type: 'identity.MasterKeyRotated', data: { from: current.id, to: next.id, rewrapped, at: new Date().toISOString(), by: actor } }],
        { expectedRevision: 'any', metadata: { actor } },
      );
    const fromEnv = Boolean(process.env.MASTER_KEY?.trim());
    if (!fromEnv) replaceMasterKeyFile(config.dataDir, next.key);
    process.stdout.write(
      `Re-wrapped ${rewrapped} data keys from ${current.id} to ${next.id}.\n` +
        (fromEnv
          ? `Now set MASTER_KEY to the new key and MASTER_KEY_ID=${next.id}, then restart every registry process.\n`
          : `keys/master.key now holds the new key; restart every registry process.\n`),
    );
  } finally {
    await app.close();
  }
}
