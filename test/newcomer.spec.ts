import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

/** A newcomer's first steps that need no running server: `npm start` and the documented Compose `.env`. */
const ROOT = join(__dirname, '..');
const DEPLOYMENT = readFileSync(join(ROOT, 'docs', 'deployment.md'), 'utf8');
const COMPOSE = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');

/** The `cat > .env <<EOF … EOF` step of docs/deployment.md (Docker Compose), exactly as written. */
function readmeEnvStep(): string {
  const step = /^cat > \.env <<EOF\n[\s\S]*?\nEOF$/m.exec(DEPLOYMENT)?.[0];
  if (!step) throw new Error('docs/deployment.md has no `cat > .env <<EOF` step');
  return step;
}

/** A `.env` file as Compose reads it: KEY=VALUE lines, `#` comments and blank lines skipped. */
function parseDotEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (m && !line.trim().startsWith('#')) env[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
}

/**
 * Compose's interpolation of one value (compose-spec "Interpolation"): `$$` is a literal `$`;
 * `${VAR:?err}` fails when VAR is unset or empty, `${VAR?err}` when unset; `:-`/`-` give a
 * default, `:+`/`+` a replacement; a bare unset `${VAR}` is only a warning. Compose does this for
 * every service, whichever profiles are on, so a `:?` in an off profile fails `docker compose config` too.
 */
function interpolate(value: string, env: Record<string, string>, errors: string[]): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (all, braced?: string, op?: string, arg?: string, bare?: string) => {
      if (all === '$$') return '$';
      const name = (braced ?? bare)!;
      const set = name in env;
      const nonEmpty = set && env[name] !== '';
      switch (op) {
        case ':?':
        case '?':
          if (op === ':?' ? !nonEmpty : !set) errors.push(`required variable ${name} is missing a value: ${arg}`);
          return env[name] ?? '';
        case ':-':
          return nonEmpty ? env[name] : arg!;
        case '-':
          return set ? env[name] : arg!;
        case ':+':
          return nonEmpty ? arg! : '';
        case '+':
          return set ? arg! : '';
        default:
          return env[name] ?? '';
      }
    },
  );
}

function interpolateAll(node: unknown, env: Record<string, string>, errors: string[]): void {
  if (Array.isArray(node)) node.forEach((v) => interpolateAll(v, env, errors));
  else if (node && typeof node === 'object') Object.values(node).forEach((v) => interpolateAll(v, env, errors));
  else if (typeof node === 'string') interpolate(node, env, errors);
}

describe('newcomer: npm start', () => {
  it('says what it is doing before the build starts', () => {
    const prestart = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.prestart;
    const [announce, ...rest] = prestart.split(' && ');
    expect(rest.join(' && ')).toBe('npm run build --silent');
    const out = execFileSync('/bin/sh', ['-c', announce], { cwd: ROOT, encoding: 'utf8' });
    expect(out).toMatch(/^Building .+\n$/);
  });
});

describe('newcomer: the Compose .env of docs/deployment.md', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(() => {
    // Run the documented step as a newcomer would (real openssl, a real file), in a scratch folder.
    dir = mkdtempSync(join(tmpdir(), 'compose-env-'));
    execFileSync('/bin/bash', ['-c', readmeEnvStep()], { cwd: dir });
    env = parseDotEnv(readFileSync(join(dir, '.env'), 'utf8'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives every variable docker-compose.yml requires (${VAR:?…}), in every profile', () => {
    const errors: string[] = [];
    interpolateAll(parse(COMPOSE), env, errors);
    expect(errors).toEqual([]);
    expect(Object.keys(env).length).toBeGreaterThanOrEqual(3);

    // Where Compose itself is installed (the docker CLI alone is not enough), it has the last word.
    if (spawnSync('docker', ['compose', 'version']).status === 0) {
      writeFileSync(join(dir, 'docker-compose.yml'), COMPOSE);
      const res = spawnSync('docker', ['compose', '--env-file', join(dir, '.env'), 'config', '--quiet'], { cwd: dir, encoding: 'utf8' });
      expect({ status: res.status, stderr: res.stderr }).toEqual({ status: 0, stderr: '' });
    }
  });

  it('the interpolation above refuses a file that leaves a required variable out', () => {
    const errors: string[] = [];
    interpolateAll({ x: '${A:?set A} ${B:-ok} $$C ${D?set D}' }, { D: '' }, errors);
    expect(errors).toEqual(['required variable A is missing a value: set A']);
  });
});

describe('newcomer: one name for the person at the terminal', () => {
  it('every CLI command records its operator through operatorActor (`os:<login name>`), none spells its own', () => {
    const dir = join(ROOT, 'apps', 'cli', 'src', 'commands');
    const ownNames = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && f !== 'operator.ts')
      .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/subject:\s*`[^`]*`|subject:\s*'[a-z]+:[^']*'/g)].map((m) => `${f}: ${m[0]}`));
    expect(ownNames).toEqual([]);
    expect(readFileSync(join(dir, 'operator.ts'), 'utf8')).toMatch(/subject: `os:\$\{userInfo\(\)\.username\}`/);
  });
});
