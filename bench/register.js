/* eslint-disable */
// Runs the benchmark's TypeScript (and the project's libs/apps it imports) in plain Node:
// the same swc transform Jest uses (decorators + metadata for Nest's DI, CommonJS output) and
// the same `@app/*` aliases. Only files of this repository are transformed; node_modules load as is.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

const ROOT = path.resolve(__dirname, '..');
const NODE_MODULES = path.join(ROOT, 'node_modules') + path.sep;

const ALIASES = [
  [/^@app\/migrations(\/.*)?$/, (m) => path.join(ROOT, 'migrations') + (m[1] ?? '')],
  [/^@app\/api(\/.*)?$/, (m) => path.join(ROOT, 'apps/api/src') + (m[1] ?? '')],
  [/^@app\/([a-z-]+)(\/.*)?$/, (m) => path.join(ROOT, 'libs', m[1], 'src') + (m[2] ?? '')],
];

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request.startsWith('@app/')) {
    for (const [re, to] of ALIASES) {
      const m = re.exec(request);
      if (m) return resolve.call(this, to(m), parent, ...rest);
    }
  }
  return resolve.call(this, request, parent, ...rest);
};

const SWC = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  // BENCH_SOURCE_MAPS=off: no inline maps and no map cache (~17 MB of heap for the project's
  // modules), as in production, which runs dist/ without --enable-source-maps. For a process whose
  // heap is capped to show that it streams (the bundle export), that memory is not the job's.
  sourceMaps: process.env.BENCH_SOURCE_MAPS === 'off' ? false : 'inline',
};

require.extensions['.ts'] = function (module, filename) {
  if (filename.startsWith(NODE_MODULES)) throw new Error(`bench/register.js does not compile ${filename}`);
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { ...SWC, filename });
  module._compile(code, filename);
};

if (SWC.sourceMaps) process.setSourceMapsEnabled?.(true);
require('reflect-metadata');
