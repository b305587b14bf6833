export * from './domain';
export * from './compliance.module';
export * from './application/compliance-file.commands';
export * from './application/compliance-file.queries';
