export * from './review.events';
export * from './review.commands';
export * from './review.decider';
export * from './ai-output.events';
export * from './ai-output.commands';
export * from './ai-output.decider';
export * from './coverage';
