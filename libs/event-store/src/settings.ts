/**
 * `@app/event-store/settings`: the storage settings and file modes, read from the environment,
 * without Nest, TypeORM or a database driver (the CLI's start and `registry token` use only these).
 */
export * from './storage-config';
export * from './sql/file-modes';
