// Builds dist/ once before the suites: crash and CLI tests start the real app as a child process.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

module.exports = async () => {
  const root = join(__dirname, '..', '..');
  if (process.env.SKIP_BUILD === 'true' && existsSync(join(root, 'dist/apps/cli/src/main.js'))) return;
  execFileSync(process.execPath, [join(root, 'node_modules/@nestjs/cli/bin/nest.js'), 'build'], { cwd: root, stdio: 'inherit', timeout: 300000 });
};
