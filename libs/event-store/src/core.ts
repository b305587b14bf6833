/**
 * `@app/event-store/core`: the event store's pure part, which domain code imports by name.
 * Plain TypeScript with no Nest, TypeORM, Node or database import (test/architecture.spec.ts
 * holds it to that), so a decider and its spec load none of the adapters the main entry
 * `@app/event-store` brings.
 */
export * from './decider';
export * from './encrypted-text';
export * from './envelope';
export * from './errors';
export * from './event-types';
export * from './event-store.port';
export * from './projections/page';
export * from './projections/projection';
export * from './stream-identity';
