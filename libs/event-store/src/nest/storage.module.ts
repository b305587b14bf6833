import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EVENT_STORE } from '../event-store.port';
import { SqlDatabase } from '../sql/sql-database';
import { SqlEventStore } from '../sql/sql-event-store';
import { KurrentDbEventStore } from '../kurrentdb/kurrentdb-event-store';
import { dataSourceOptions, ensureSchema } from '../sql/data-source';
import { assertStorageWritable } from '../sql/storage-check';
import { StoreUnavailableError } from '../errors';
import { storageConfigFromEnv, type StorageConfig } from '../storage-config';
import { UpcasterRegistry } from '../upcasters';
import { LEASES, leasesFor, withAdvisoryLock } from '../projections/leases';
import { ProjectionRegistry } from './projection-registry';
import { LogProcesses } from './log-processes';
import { Workers } from './workers';
import { STORAGE_CONFIG } from './storage.tokens';
import { CLOCK, Clock } from '../clock';

/** The shared kernel's storage: TypeORM data source, the event store port and projections. */
@Global()
@Module({})
export class StorageModule {
  static forRoot(config: StorageConfig = storageConfigFromEnv()): DynamicModule {
    return {
      module: StorageModule,
      imports: [
        TypeOrmModule.forRootAsync({
          // A read-only data folder does not heal by retrying: fail at once with the reason.
          useFactory: () => ({
            ...dataSourceOptions(config),
            autoLoadEntities: true,
            toRetry: (err) => !(err instanceof StoreUnavailableError && err.fault === 'read-only'),
          }),
          dataSourceFactory: async (options) => {
            const open = async () => {
              assertStorageWritable(config);
              await ensureSchema(config);
              const ds = await new DataSource(options!).initialize();
              if (config.migrationsRun) await ds.runMigrations({ transaction: 'each' });
              return ds;
            };
            // Several instances starting at once on PostgreSQL migrate one after the other.
            return config.kind === 'postgres' ? withAdvisoryLock(config, 'migrations', open) : open();
          },
        }),
      ],
      providers: [
        { provide: STORAGE_CONFIG, useValue: config },
        { provide: UpcasterRegistry, useValue: new UpcasterRegistry() },
        { provide: LEASES, useFactory: () => leasesFor(config) },
        { provide: SqlDatabase, inject: [DataSource], useFactory: (ds: DataSource) => new SqlDatabase(ds) },
        {
          provide: EVENT_STORE,
          inject: [SqlDatabase, UpcasterRegistry],
          // EVENT_STORE_URL moves only the events to KurrentDB; everything else stays in SQL.
          useFactory: (db: SqlDatabase, upcasters: UpcasterRegistry) =>
            config.eventStoreUrl ? KurrentDbEventStore.fromConnectionString(config.eventStoreUrl, upcasters) : new SqlEventStore(db, upcasters),
        },
        ProjectionRegistry,
        Workers,
        LogProcesses,
        { provide: CLOCK, useValue: new Clock() },
      ],
      exports: [CLOCK, LEASES, STORAGE_CONFIG, UpcasterRegistry, SqlDatabase, EVENT_STORE, ProjectionRegistry, Workers, LogProcesses, TypeOrmModule],
    };
  }
}
