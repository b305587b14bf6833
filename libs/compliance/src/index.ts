export * from './domain';
export * from './compliance.module';
export * from './application/compliance-file.commands';
export * from './application/compliance-file.queries';
export * from './application/assessment.queries';
export * from './projections/assessment.entity';
export * from './application/documents.service';
export * from './application/documents.queries';
