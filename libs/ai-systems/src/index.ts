export * from './domain';
export * from './ai-systems.module';
export * from './projections/ai-system.entity';
export * from './projections/ai-systems.projection';
export * from './application/ai-system.queries';
export * from './application/ai-system.commands';
