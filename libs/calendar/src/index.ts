export * from './dutch-calendar';
export * from './zone';
