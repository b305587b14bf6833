export * from './ai-system.events';
export * from './ai-system.commands';
export * from './ai-system.decider';
