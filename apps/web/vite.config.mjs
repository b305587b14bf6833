// Builds apps/web into dist/web (or WEB_OUT_DIR), which the API serves at `/`.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  // The API's answer types and a few constants, declared once beside the server code (apps/web/tsconfig.json).
  resolve: {
    alias: {
      '@app/event-store/core': resolve(here, '../../libs/event-store/src/core.ts'),
      '@app/incidents/contract': resolve(here, '../../libs/incidents/src/contract.ts'),
      '@app/ai-systems/contract': resolve(here, '../../libs/ai-systems/src/contract.ts'),
      '@app/compliance/contract': resolve(here, '../../libs/compliance/src/contract.ts'),
      '@app/oversight/contract': resolve(here, '../../libs/oversight/src/contract.ts'),
      '@app/disclosure/contract': resolve(here, '../../libs/disclosure/src/contract.ts'),
      '@app/evidence/contract': resolve(here, '../../libs/evidence/src/contract.ts'),
      '@app/compliance/contract': resolve(here, '../../libs/compliance/src/contract.ts'),
      '@app/monitoring/contract': resolve(here, '../../libs/monitoring/src/contract.ts'),
    },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: process.env.WEB_OUT_DIR ? resolve(process.env.WEB_OUT_DIR) : resolve(here, '../../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    // The app is small: one script and one stylesheet, no source maps shipped to browsers.
    sourcemap: false,
    rolldownOptions: {
      // fhirclient's fallback for browsers without Web Crypto (never loaded here: every supported browser has it) is an ESM file using `module`.
      onwarn(warning, warn) {
        if (warning.code === 'COMMONJS_VARIABLE_IN_ESM' && String(warning.id ?? warning.message).includes('isomorphic-webcrypto')) return;
        warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
