// @ts-check
// Type-aware lint of the server, the CLI, the libs, the migrations and the tests (issue 24,
// item 5). The web app (its own tsconfig), the bench and plain JS files are not linted yet.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/**', 'coverage/**', 'data/**', '.test-data/**', 'node_modules/**', 'apps/web/**', 'bench/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // The code's convention: a leading underscore names what is left out on purpose
      // (`const { globalPosition: _position, ...content } = e`, `for (const _ in where)`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // `let { buf, at } = …` where only `at` moves: one declaration reads better than two.
      'prefer-const': ['error', { destructuring: 'all' }],
    },
  },
);
