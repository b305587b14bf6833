export * from './app.module';
export * from './create-app';
