export * from './problem';
export * from './problem.filter';
export * from './validation';
export * from './request-context';
export * from './pagination';
export * from './page-query.dto';
export * from './clock';
export * from './json-depth';
