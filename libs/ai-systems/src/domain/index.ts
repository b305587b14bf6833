export * from './ai-system.events';
export * from './ai-system.commands';
export * from './ai-system.decider';
export * from './supplier-notice.events';
export * from './supplier-notice.commands';
export * from './supplier-notice.decider';
