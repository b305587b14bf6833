import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

export const ROOT = join(__dirname, '..', '..');

/** One import of a repository file: the specifier as written and, when it is ours, the file it resolves to. */
export interface Import {
  from: string;
  spec: string;
  /** Repository-relative path of the resolved file; undefined for packages and Node built-ins. */
  to?: string;
}

/** Source files of the server, the CLI, the libs and the migrations; specs and tests are not part of the build. */
export function sourceFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return walk(p);
      return /\.ts$/.test(name) && !/\.(spec|e2e-spec|pg-spec|sqlite-spec)\.ts$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
    });
  return ['libs', 'apps/api', 'apps/cli', 'migrations'].flatMap((d) => walk(join(ROOT, d))).map((p) => rel(p));
}

const rel = (p: string) => relative(ROOT, p).split(sep).join('/');

// The compiler's own reading of tsconfig.json (the `@app/*` paths included) resolves each
// specifier exactly as `tsc` and the build do; nothing here guesses at aliases.
const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(join(ROOT, 'tsconfig.json'), (p) => ts.sys.readFile(p)).config, ts.sys, ROOT);
const resolutionCache = ts.createModuleResolutionCache(ROOT, (s) => s, parsed.options);

/** Every static import, export-from, `require()` and `import()` (types included) of a file. */
export function importsOf(file: string): Import[] {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles.map(({ fileName: spec }) => {
    const resolved = ts.resolveModuleName(spec, join(ROOT, file), parsed.options, ts.sys, resolutionCache).resolvedModule;
    const ours = resolved && !resolved.isExternalLibraryImport && !resolved.resolvedFileName.includes(`${sep}node_modules${sep}`);
    return { from: file, spec, to: ours ? rel(resolved.resolvedFileName) : undefined };
  });
}

/**
 * The imports of a file that load a module at run time: importsOf without the type-only ones
 * (`import type`, `export type … from`, and imports whose every name is a type), which the
 * compiler erases. A light entry's memory is what it loads, not what it names in types.
 */
export function runtimeImportsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, false);
  const erased = new Set<string>();
  const kept = new Set<string>();
  for (const st of source.statements) {
    let spec: string | undefined;
    let typeOnly = false;
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      spec = st.moduleSpecifier.text;
      const c = st.importClause;
      const named = c?.namedBindings;
      typeOnly =
        c !== undefined &&
        (c.isTypeOnly || (c.name === undefined && named !== undefined && ts.isNamedImports(named) && named.elements.every((e) => e.isTypeOnly)));
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      spec = st.moduleSpecifier.text;
      const named = st.exportClause;
      typeOnly = st.isTypeOnly || (named !== undefined && ts.isNamedExports(named) && named.elements.every((e) => e.isTypeOnly));
    }
    if (spec !== undefined) (typeOnly ? erased : kept).add(spec);
  }
  return importsOf(file).filter((i) => kept.has(i.spec) || !erased.has(i.spec));
}

/** The unit the lib graph is drawn in: `libs/<name>` → `<name>`, `apps/<name>` → `apps/<name>`, the migrations. */
export function unitOf(file: string): string {
  const [top, name] = file.split('/');
  if (top === 'libs') return name;
  if (top === 'apps') return `apps/${name}`;
  return top;
}

/**
 * Strongly connected components with more than one member (or a member importing itself):
 * each is a cycle. Tarjan's algorithm, iterative so a deep chain cannot overflow the stack.
 */
export function cycles(graph: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; edges: Iterator<string> }> = [];
    const enter = (node: string) => {
      index.set(node, next);
      low.set(node, next++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, edges: (graph.get(node) ?? new Set()).values() });
    };
    enter(start);
    while (work.length > 0) {
      const top = work[work.length - 1];
      const edge = top.edges.next();
      if (!edge.done) {
        const to = edge.value;
        if (!index.has(to)) enter(to);
        else if (onStack.has(to)) low.set(top.node, Math.min(low.get(top.node)!, index.get(to)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== top.node);
        if (component.length > 1 || graph.get(top.node)?.has(top.node)) found.push(component.sort());
      }
    }
  }
  return found;
}

export function addEdge(graph: Map<string, Set<string>>, from: string, to: string): void {
  if (!graph.has(from)) graph.set(from, new Set());
  if (!graph.has(to)) graph.set(to, new Set());
  graph.get(from)!.add(to);
}
