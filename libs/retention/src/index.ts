export * from './domain';
export * from './retention.module';
export * from './blobs/blob-store';
export * from './projections/retention.entities';
export * from './projections/retention.projection';
export * from './application/log-ingest.service';
export * from './application/retention-purger';
export * from './application/retention.queries';
