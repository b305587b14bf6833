export * from './disclosure.events';
export * from './disclosure.commands';
export * from './disclosure.decider';
