export * from './incident.events';
export * from './incident.commands';
export * from './deadlines';
export * from './rulebook';
export * from './incident.decider';
export * from './reports';
export * from './dutch-working-days';
export * from './system-scope';
