export * from './outcome.events';
export * from './outcome.commands';
export * from './outcome.decider';
export * from './monitoring.events';
export * from './monitoring.commands';
export * from './monitoring.decider';
export * from './figures';
