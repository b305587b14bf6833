export * from './domain';
export * from './disclosure.module';
export * from './application/disclosure.commands';
export * from './application/bundle-exports';
export * from './application/compliance-file-exports';
