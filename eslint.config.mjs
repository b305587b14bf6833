// @ts-check
// Type-aware lint of the server, the CLI, the web app, the libs, the migrations and the tests
// (issue 24, item 5) and the benchmarks; `npm run lint` runs in .ci/run. Plain JS files are not linted yet.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/**', 'coverage/**', 'data/**', '.test-data/**', 'node_modules/**', 'apps/web/dist/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // The web app's specs are in no tsconfig the service finds by folder (apps/web/tsconfig.json
        // leaves them out so the browser code gets no Jest or Node types): the default project reads them.
        projectService: { allowDefaultProject: ['apps/web/src/*.spec.ts'], defaultProject: 'apps/web/tsconfig.spec.json' },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // The code's convention: a leading underscore names what is left out on purpose
      // (`const { globalPosition: _position, ...content } = e`, `for (const _ in where)`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // `let { buf, at } = …` where only `at` moves: one declaration reads better than two.
      'prefer-const': ['error', { destructuring: 'all' }],
    },
  },
  {
    // Suites that read HTTP, child-process and browser answers: supertest types every response
    // body `any` and Jest's asymmetric matchers (`expect.any`, `expect.stringMatching`) return
    // `any`, so these rules flag nearly every assertion (about 850 findings); typing each body at
    // every use was more cast than check. New code uses `body<T>(res)` from test/support/http.ts.
    // Every other rule stays on here, and all of them stay on for libs/, apps/ and the rest of test/.
    files: ['test/e2e/**', 'test/reliability/**', 'test/web/**', 'apps/web/src/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
