/**
 * `algobench validate`: checks a submission against the contract before it spends
 * any benchmark time — exports and their run-time types, the search space, the
 * source rules (rules.ts), and a dry run of a few steps on mnist_mlp. Findings are
 * data; the CLI prints them and sets the exit code.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { selectBackend, type BackendChoice } from '../backends/select.ts';
import { AlgobenchError, errorMessage } from '../errors.ts';
import { runTrial } from '../runner/trial.ts';
import type { Clock } from '../runner/clock.ts';
import type { Hparams, Submission } from '../spec.ts';
import { contractProblems, importSubmissionModule, resolveModulePath, searchSpacePath } from '../submissions.ts';
import { loadSearchSpace, sampleHparams, type SearchSpace } from '../tuning/search_space.ts';
import { getWorkload } from '../../workloads/registry.ts';
import { getTargets } from '../../workloads/targets.ts';
import { checkSource, type Finding } from './rules.ts';

export type { Finding } from './rules.ts';

export interface ValidationReport {
  readonly modulePath: string;
  readonly findings: readonly Finding[];
  /** One line per check that passed, for the person reading the output. */
  readonly passed: readonly string[];
}

const SOURCE_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);
const DRY_RUN_WORKLOAD = 'mnist_mlp';

/** The module and the other source files in its folder (not tests). */
function sourceFiles(modulePath: string): string[] {
  const dir = dirname(modulePath);
  const siblings = readdirSync(dir)
    .filter((f) => SOURCE_EXTENSIONS.has(extname(f)) && !/\.(test|spec)\.[mc]?[jt]s$/.test(f))
    .map((f) => join(dir, f));
  return [modulePath, ...siblings.filter((f) => f !== modulePath)];
}

function lineOf(source: string, pattern: RegExp): number {
  const index = source.split('\n').findIndex((l) => pattern.test(l));
  return index + 1;
}

/**
 * A clock that advances a fixed half second per reading: the dry run sees evals and
 * a budget end after a known number of steps, whatever this machine's speed.
 */
function steppingClock(): Clock {
  let t = 0;
  return { now: () => (t += 0.5) };
}

export async function validateSubmission(ref: string, options: { backend?: BackendChoice; steps?: number } = {}): Promise<ValidationReport> {
  const modulePath = resolveModulePath(ref);
  const findings: Finding[] = [];
  const passed: string[] = [];
  const file = modulePath;
  const source = readFileSync(modulePath, 'utf8');

  const ruleFindings = sourceFiles(modulePath).flatMap((f) => checkSource(f, readFileSync(f, 'utf8')));
  findings.push(...ruleFindings);
  if (ruleFindings.length === 0) passed.push('rules: no file, network or process access, no workload internals or store, no branching on workload identity');

  let submission: Submission | undefined;
  try {
    const candidate = await importSubmissionModule(modulePath);
    const problems = contractProblems(candidate);
    const line = lineOf(source, /export\s+default|export\s+(const|let)\s+submission\b/);
    for (const problem of problems) findings.push({ file, line, problem, fix: 'see docs/submitting.md, section 1' });
    if (problems.length === 0) {
      submission = candidate as Submission;
      passed.push(`contract: "${submission.name}" exports getBatchSize, init and update${submission.selectData ? ', selectData' : ''}${submission.prepareForEval ? ', prepareForEval' : ''}`);
    }
  } catch (err) {
    findings.push({ file, line: 0, problem: errorMessage(err), fix: 'make the module load on its own (node --import tsx FILE)' });
  }

  let space: SearchSpace | undefined;
  const spacePath = searchSpacePath(modulePath);
  if (existsSync(spacePath)) {
    try {
      space = loadSearchSpace(spacePath);
      passed.push(`search space: ${basename(spacePath)} parses (${space.kind === 'points' ? `${space.points.length} fixed points` : `${space.params.length} hyperparameters`})`);
    } catch (err) {
      findings.push({ file: spacePath, line: 0, problem: errorMessage(err), fix: 'follow the format in docs/submitting.md, section 4' });
    }
  } else {
    passed.push('search space: none (self-tuning only)');
  }

  if (submission !== undefined && findings.length === 0) {
    const dry = await dryRun(submission, space, options);
    if (dry.finding !== undefined) findings.push({ file, line: 0, ...dry.finding });
    else passed.push(dry.summary);
  }
  return { modulePath, findings, passed };
}

async function dryRun(
  submission: Submission,
  space: SearchSpace | undefined,
  options: { backend?: BackendChoice; steps?: number },
): Promise<{ summary: string; finding?: { problem: string; fix: string } }> {
  await selectBackend(options.backend ?? 'auto');
  const workload = getWorkload(DRY_RUN_WORKLOAD);
  const steps = options.steps ?? 12;
  // Each step reads the clock twice (0.5 s apart): `steps` steps fill this budget.
  const budgetScale = (steps * 0.5) / workload.budget.maxRuntimeSec;
  const hparams: Hparams = space === undefined ? {} : (sampleHparams(space, { seed: 0, study: 0, count: 1 })[0] ?? {});
  const losses: number[] = [];
  const result = await runTrial(
    { workload, targets: getTargets(DRY_RUN_WORKLOAD, 'base'), submission, hparams, seed: 0, budgetScale },
    { clock: steppingClock(), observer: { onEval: (e) => losses.push(e.trainLoss) } },
  );
  if (result.status === 'error' || result.status === 'diverged') {
    return {
      summary: '',
      finding: {
        problem: `dry run on ${DRY_RUN_WORKLOAD}: ${result.status} after ${result.steps} step(s): ${result.error ?? ''}`,
        fix: result.status === 'error' ? 'fix the code that threw (see the message)' : 'lower the learning rate or check the update rule',
      },
    };
  }
  if (result.steps === 0) throw new AlgobenchError('E_BAD_SUBMISSION', 'dry run made no step');
  const first = losses[0];
  const last = losses.at(-1);
  return {
    summary: `dry run: ${result.steps} steps of ${DRY_RUN_WORKLOAD} with ${JSON.stringify(hparams)}, ${result.evals} evals, training loss ${first?.toFixed(3)} → ${last?.toFixed(3)}`,
  };
}
