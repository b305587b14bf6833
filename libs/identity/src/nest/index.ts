export * from './auth.decorators';
export * from './auth.guard';
export * from './token-verifier';
export * from './identity.module';
