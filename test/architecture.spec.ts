import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..');
const FORBIDDEN = [/^@nestjs\//, /^typeorm/, /^node:/, /^(fs|path|crypto|http|https|net|child_process|os)$/, /^pg$/, /^better-sqlite3$/, /^@app\/(?!event-store\/core$)/, /^uuid$/, /^jose$/];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.spec.ts') ? [p] : [];
  });
}

function domainFolders(): string[] {
  return readdirSync(join(ROOT, 'libs'))
    .map((lib) => join(ROOT, 'libs', lib, 'src', 'domain'))
    .filter((d) => {
      try {
        return statSync(d).isDirectory();
      } catch {
        return false;
      }
    });
}

/** Deciders stay pure: no framework, database, I/O or clock in any domain/ folder. */
describe('architecture', () => {
  it('has domain folders to check', () => {
    expect(domainFolders().length).toBeGreaterThanOrEqual(2);
  });

  it.each(domainFolders().flatMap(files).map((f) => [relative(ROOT, f), f]))('%s imports nothing but other domain code', (_rel, file) => {
    const source = readFileSync(file, 'utf8');
    const imports = [...source.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|require\(['"]([^'"]+)['"]\)/g)].map((m) => m[1] ?? m[2]);
    for (const spec of imports) {
      expect({ spec, forbidden: FORBIDDEN.some((re) => re.test(spec)) }).toEqual({ spec, forbidden: false });
      if (spec.startsWith('.')) {
        const target = relative(ROOT, resolve(dirname(file), spec));
        const ownDomain = relative(ROOT, dirname(file));
        const allowed = target.startsWith(ownDomain);
        expect({ spec, target, allowed }).toEqual({ spec, target, allowed: true });
      }
    }
    expect(source).not.toMatch(/new Date\(\)|Date\.now\(\)|Math\.random\(\)|process\.env/);
  });
});
