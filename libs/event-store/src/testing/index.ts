/**
 * `@app/event-store/testing`: helpers for specs only (Jest). Domain specs may import it, domain
 * source may not (test/architecture.spec.ts); the build leaves it out.
 */
export * from './decider-specification';
