/**
 * The static half of `algobench validate`: rules a submission's source must keep,
 * checked line by line so that every finding names the line to fix. Comments are
 * blanked first (line numbers kept) so that prose never trips a rule.
 *
 * What a submission may import of algobench: the kit and the contract, by their
 * package names `algobench/kit` and `algobench/spec` (or, inside the repository, by
 * relative path to submissions/kit/ and harness/spec.ts). Nothing else of the harness.
 */
import { ENTRY_POINTS, isPublicEntryPoint, namesAlgobench } from '../core/package_entry_points.ts';
import { WORKLOADS } from '../../workloads/registry.ts';

export interface Finding {
  readonly file: string;
  /** 1-based; 0 when the finding is about the whole module. */
  readonly line: number;
  readonly problem: string;
  readonly fix: string;
}

/** Node modules that reach outside the process: files, network, other processes. */
const FORBIDDEN_MODULES = [
  'fs', 'fs/promises', 'net', 'tls', 'http', 'https', 'http2', 'dgram', 'dns', 'child_process', 'cluster', 'worker_threads',
];

const IMPORT_RE = /(?:\bimport\s+(?:[^'"]*?\sfrom\s+)?|\bexport\s+[^'"]*?\sfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

/** Replaces comments with spaces, keeping newlines (and so line numbers). */
export function blankComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"\\])\/\/[^\n]*/g, (m, lead: string) => lead + ' '.repeat(m.length - lead.length));
}

function importProblem(specifier: string): { problem: string; fix: string } | undefined {
  const bare = specifier.replace(/^node:/, '');
  if (FORBIDDEN_MODULES.includes(bare)) {
    return {
      problem: `imports "${specifier}": submissions may not touch files, the network or other processes`,
      fix: 'remove the import; everything a step needs arrives in its context',
    };
  }
  if (/(^|\/)workloads(\/|$)/.test(specifier)) {
    return {
      problem: `imports workload internals ("${specifier}"): submissions must not see or change the model or its data`,
      fix: 'use ctx.workload (parameter types, shapes, budget) instead',
    };
  }
  if (specifier === 'better-sqlite3' || /(^|\/)harness\/store(\/|$)/.test(specifier)) {
    return { problem: `imports the results store ("${specifier}")`, fix: 'remove it; the harness records results' };
  }
  if (/(^|\/)harness\//.test(specifier) && !/(^|\/)harness\/spec(\.ts|\.js)?$/.test(specifier)) {
    return {
      problem: `imports harness internals ("${specifier}"); only harness/spec.ts is the contract`,
      fix: `import the contract from "algobench/spec" and tools from "algobench/kit"`,
    };
  }
  if (namesAlgobench(specifier) && !isPublicEntryPoint(specifier)) {
    return {
      problem: `imports "${specifier}", which is not one of algobench's public entry points (${Object.keys(ENTRY_POINTS).join(', ')})`,
      fix: `import the contract from "algobench/spec" and tools from "algobench/kit"`,
    };
  }
  return undefined;
}

/** Every rule finding in one source file. */
export function checkSource(file: string, source: string): Finding[] {
  const findings: Finding[] = [];
  const lines = blankComments(source).split('\n');
  const workloadNames = Object.keys(WORKLOADS);
  lines.forEach((text, i) => {
    const line = i + 1;
    for (const match of text.matchAll(IMPORT_RE)) {
      const found = importProblem(match[1]!);
      if (found !== undefined) findings.push({ file, line, ...found });
    }
    if (/\bprocess\s*\.\s*(env|argv|binding)\b|\beval\s*\(|\bnew\s+Function\s*\(/.test(text)) {
      findings.push({
        file,
        line,
        problem: 'reads the environment or evaluates code at run time',
        fix: 'take settings from hyperparameters (search_space.json) instead',
      });
    }
    if (/\bname\s*(===|!==|==|!=)|(===|!==|==|!=)\s*[\w.]*\bname\b|switch\s*\(\s*[\w.]*\bworkload\s*\.\s*name/.test(text) && /workload/.test(text)) {
      findings.push({
        file,
        line,
        problem: 'branches on the workload name: submissions must not pick special logic per workload',
        fix: 'decide from ctx.workload\'s parameter shapes, train size or budget, the same way on every workload',
      });
      return;
    }
    for (const name of workloadNames) {
      if (new RegExp(`['"\`]${name}(:[\\w]+)?['"\`]`).test(text)) {
        findings.push({
          file,
          line,
          problem: `names the workload "${name}": submissions must not branch on workload identity`,
          fix: 'remove the special case; decide from ctx.workload\'s shapes, train size or budget',
        });
      }
    }
  });
  return findings;
}
