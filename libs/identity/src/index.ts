export * from './key-material';
export * from './pseudonymizer';
export * from './subject-keys';
export * from './local-tokens';
export * from './nest';
