// PostgreSQL-only suites (*.pg-spec.ts) run in `npm run test:pg`, SQLite-only ones (*.sqlite-spec.ts) in `npm test`; the rest run on both stores.
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testRegex: process.env.STORAGE === 'postgres' ? '.*\\.(spec|e2e-spec|pg-spec)\\.ts$' : '.*\\.(spec|e2e-spec|sqlite-spec)\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: {
            syntax: 'typescript',
            decorators: true,
          },
          transform: {
            legacyDecorator: true,
            decoratorMetadata: true,
          },
          target: 'es2022',
        },
        module: {
          type: 'commonjs',
        },
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose|parse5|entities)/)'],
  moduleNameMapper: {
    '^@app/migrations(|/.*)$': '<rootDir>/migrations$1',
    '^@app/api(|/.*)$': '<rootDir>/apps/api/src$1',
    '^@app/([a-z-]+)(|/.*)$': '<rootDir>/libs/$1/src$2',
  },
  maxWorkers: 2,
  testTimeout: 30000,
  globalSetup: '<rootDir>/test/support/global-setup.js',
};
