export * from './auth.decorators';
export * from './auth.guard';
export * from './token-verifier';
export * from './route-roles';
export * from './identity.module';
export * from './write-route';
