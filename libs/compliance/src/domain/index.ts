export * from './compliance-file.events';
export * from './compliance-file.commands';
export * from './compliance-file.decider';
export * from './compliance-view';
export * from './documents';
export * from './dashboard';
