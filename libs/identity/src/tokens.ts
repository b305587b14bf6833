/**
 * `@app/identity/tokens`: keys and local tokens without Nest, TypeORM or the database, so
 * `registry token` starts in a fraction of the time the main entry `@app/identity` takes.
 */
export * from './key-material';
export * from './local-tokens';
