import { SqlDatabase, SqlEventStore, UpcasterRegistry } from '@app/event-store';
import { newTestStorage, openTestDataSource, testStorageKind } from '../support/test-storage';
import { eventStoreContract } from './event-store.contract';

eventStoreContract(`SQL (${testStorageKind()})`, async ({ upcasters = [] }) => {
  const storage = newTestStorage();
  const ds = await openTestDataSource(storage);
  const other = await openTestDataSource(storage);
  const registry = () => new UpcasterRegistry().register(...upcasters);
  return {
    store: new SqlEventStore(new SqlDatabase(ds), registry()),
    other: new SqlEventStore(new SqlDatabase(other), registry()),
    cleanup: async () => {
      await ds.destroy();
      await other.destroy();
      await storage.cleanup();
    },
  };
});
