/**
 * `algobench validate`: checks a submission against the contract before it spends
 * any benchmark time — exports and their run-time types, the search space, the
 * source rules (rules.ts), then probes of a few steps on mnist_mlp run here directly
 * (probe.ts): which hyperparameters the submission reads against the search space's
 * keys, and whether it behaves the same when the workload's identity is disguised
 * (name_blind.ts); last a dry run of a dozen steps through the trial runner. Findings
 * are data; the CLI prints them and sets the exit code.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { selectBackend, type BackendChoice } from '../backends/select.ts';
import { AlgobenchError, errorMessage } from '../core/errors.ts';
import { runTrial } from '../runner/trial.ts';
import { inspectSubmission, runTrialIsolated } from '../runner/isolated/run_isolated.ts';
import type { Clock } from '../runner/clock.ts';
import type { Hparams, Submission, Workload } from '../spec.ts';
import { contractProblems, importSubmissionModule, resolveModulePath, searchSpacePath } from '../submissions/load.ts';
import { loadSearchSpace, sampleHparams, type SearchSpace } from '../tuning/search_space.ts';
import { getWorkload } from '../../workloads/registry.ts';
import { getTargets } from '../../workloads/targets.ts';
import { disguisesFor, nameBlindCheck, UPDATE_TOLERANCE } from './name_blind.ts';
import { probe, type ProbeOptions, type ProbeResult } from './probe.ts';
import { blankComments, checkSource, type Finding } from './rules.ts';

export type { Finding } from './rules.ts';

export interface ValidationReport {
  readonly modulePath: string;
  readonly findings: readonly Finding[];
  /** One line per check that passed, for the person reading the output. */
  readonly passed: readonly string[];
}

const SOURCE_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);
const DRY_RUN_WORKLOAD = 'mnist_mlp';
/** Steps per probe: enough for a warmup from zero to move the parameters. */
export const PROBE_STEPS = 8;

/** Statuses by which the watchdog ends a trial: the submission is unsafe to import here. */
const WATCHDOG_STATUSES = new Set(['timeout', 'crashed', 'killed', 'forbidden']);

/**
 * A short trial of the submission on mnist_mlp in its own sandboxed process, as `run`
 * runs it (a budget of a few seconds, its defaults or its search space's first point).
 */
async function watchedRun(modulePath: string, spacePath: string, backend: BackendChoice): Promise<{ summary: string; finding?: undefined } | { finding: Omit<Finding, 'file' | 'line'> }> {
  const seen = await inspectSubmission(modulePath, backend);
  if ('failed' in seen) {
    return { finding: { problem: `in its sandboxed process, loading it ended as ${seen.status}: ${seen.failed}`, fix: 'see docs/submitting.md, "Isolation": what a trial may and may not do' } };
  }
  if (seen.problems.length > 0) return { summary: 'isolation: loaded in its sandboxed process (contract problems below)' };
  await selectBackend(backend);
  const workload = getWorkload(DRY_RUN_WORKLOAD);
  await workload.load();
  let hparams: Hparams = {};
  try {
    if (existsSync(spacePath)) hparams = sampleHparams(loadSearchSpace(spacePath), { seed: 0, study: 0, count: 1 })[0] ?? {};
  } catch {
    // The search-space check below reports it.
  }
  const budgetScale = WATCHED_BUDGET_SEC / workload.budget.maxRuntimeSec;
  const result = await runTrialIsolated({
    workload, targets: getTargets(workload.name, workload.variant), modulePath, hparams, seed: 0, budgetScale, backend,
    limits: { stallSec: 30 },
  });
  if (WATCHDOG_STATUSES.has(result.status)) {
    return { finding: { problem: `in its sandboxed process, the watchdog ended its trial as ${result.status}: ${result.error ?? ''}`, fix: 'see docs/submitting.md, "Isolation": what a trial may and may not do' } };
  }
  const boundary = result.boundary === undefined ? '' : `; process start to first step ${result.boundary.startSec.toFixed(1)} s, off the clock`;
  return { summary: `isolation: a ${WATCHED_BUDGET_SEC} s trial in its own sandboxed process ended ${result.status} after ${result.steps} steps; the watchdog saw nothing${boundary}` };
}

/** Budget of validate's watched trial, seconds. */
const WATCHED_BUDGET_SEC = 3;

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

export interface ValidateOptions {
  readonly backend?: BackendChoice;
  /** Steps of the dry run through the trial runner. @default 12 */
  readonly steps?: number;
  /** Steps of each probe (hyperparameter reads, name-blind check). @default PROBE_STEPS */
  readonly probeSteps?: number;
  /** A search-space file to check and draw from instead of the search_space.json beside the module. */
  readonly searchSpaceFile?: string;
}

export async function validateSubmission(ref: string, options: ValidateOptions = {}): Promise<ValidationReport> {
  const modulePath = resolveModulePath(ref);
  const findings: Finding[] = [];
  const passed: string[] = [];
  const file = modulePath;
  const source = readFileSync(modulePath, 'utf8');

  const ruleFindings = sourceFiles(modulePath).flatMap((f) => checkSource(f, readFileSync(f, 'utf8')));
  findings.push(...ruleFindings);
  if (ruleFindings.length === 0) passed.push('rules: no file, network or process access, no workload internals or store, no branching on workload identity');

  // First the submission runs the way `run` runs it: in a sandboxed process of its own,
  // watched. What the watchdog saw ends validation there; the checks below import the
  // submission into this process, which only code that passed this may enter.
  const spacePath = options.searchSpaceFile ?? searchSpacePath(modulePath);
  const watched = await watchedRun(modulePath, spacePath, options.backend ?? 'auto');
  if (watched.finding !== undefined) {
    findings.push({ file, line: 0, ...watched.finding });
    return { modulePath, findings, passed };
  }
  passed.push(watched.summary);

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
  // A file given explicitly must be there; the one beside the module is optional (self-tuning).
  if (options.searchSpaceFile !== undefined || existsSync(spacePath)) {
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
    await selectBackend(options.backend ?? 'auto');
    const workload = getWorkload(DRY_RUN_WORKLOAD);
    await workload.load();
    const hparams: Hparams = space === undefined ? {} : (sampleHparams(space, { seed: 0, study: 0, count: 1 })[0] ?? {});
    // The probes run the submission directly, step by step, with a read-tracking view
    // of the hyperparameters (the trial runner copies them, which reads them all).
    const probeOptions: ProbeOptions = {
      hparams,
      seed: 0,
      steps: options.probeSteps ?? PROBE_STEPS,
      ...(space === undefined ? {} : { spaceKeys: spaceKeysOf(space) }),
    };
    const baseline = probe(submission, workload, probeOptions);
    if (baseline.error !== undefined) {
      findings.push({
        file,
        line: 0,
        problem: `dry run on ${DRY_RUN_WORKLOAD} with ${JSON.stringify(hparams)}: error after ${baseline.stepsRun} step(s): ${baseline.error}`,
        fix: 'fix the code that threw (see the message)',
      });
    } else {
      const checked = checkHparamReads(baseline, space, modulePath, spacePath);
      findings.push(...checked.findings);
      passed.push(...checked.passed);
      // A run that diverges is the dry run's to report; comparing NaNs says nothing.
      if (baseline.finite) {
        const blind = nameBlindFindings(submission, workload, probeOptions, baseline, file);
        findings.push(...blind.findings);
        passed.push(...blind.passed);
      }
    }
    // The full dry run through the trial runner, unless a probe already found a fault
    // (it would report the same one again, less precisely).
    if (findings.length === 0) {
      const dry = await dryRun(submission, workload, hparams, options);
      if (dry.finding !== undefined) findings.push({ file, line: 0, ...dry.finding });
      else passed.push(dry.summary);
    }
  }
  return { modulePath, findings, passed };
}

/** The search space's keys: its hyperparameters, or the keys of its points. */
function spaceKeysOf(space: SearchSpace): string[] {
  return space.kind === 'ranges' ? space.params.map((p) => p.name) : Object.keys(space.points[0] ?? {});
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Where a hyperparameter's name appears in the submission's source files, quoted or as a property. */
function locateKey(modulePath: string, key: string): { file: string; line: number } {
  const patterns = [new RegExp(`['"\`]${escapeRegExp(key)}['"\`]`), new RegExp(`\\.${escapeRegExp(key)}\\b`)];
  for (const pattern of patterns) {
    for (const f of sourceFiles(modulePath)) {
      const line = lineOf(blankComments(readFileSync(f, 'utf8')), pattern);
      if (line > 0) return { file: f, line };
    }
  }
  return { file: modulePath, line: 0 };
}

/**
 * Search space ↔ submission, from the hyperparameters the baseline probe read: every
 * key of the space must be read (else tuning it is wasted trials), and every key read
 * must be in the space (else it silently gets its fallback default in every trial).
 * Without a search space (self-tuning) hparams are empty and defaults are the point.
 */
function checkHparamReads(
  run: ProbeResult,
  space: SearchSpace | undefined,
  modulePath: string,
  spacePath: string,
): { findings: Finding[]; passed: string[] } {
  const read = [...run.reads].sort();
  if (space === undefined) {
    return { findings: [], passed: [`hyperparameters: self-tuning, reads ${read.length === 0 ? 'none' : read.join(', ')} (defaults)`] };
  }
  const keys = spaceKeysOf(space);
  const findings: Finding[] = [];
  const spaceText = readFileSync(spacePath, 'utf8');
  const module = basename(modulePath);
  const spaceName = basename(spacePath);
  const unread = keys.filter((k) => !run.reads.has(k));
  const unknown = [...run.unknownReads].sort();
  const quoted = (list: readonly string[]) => list.map((k) => `"${k}"`).join(', ');
  for (const key of unknown) {
    // A misspelling shows as both an unknown read and an unread key: one finding.
    findings.push({
      ...locateKey(modulePath, key),
      problem: `reads hyperparameter "${key}", which ${spaceName} does not define (it has: ${keys.join(', ')})${
        unread.length === 0 ? '' : `, and never reads ${quoted(unread)}`
      }: every trial runs with the fallback default instead of a tuned value`,
      fix: unread.length === 0
        ? `fix the name or add "${key}" to ${spaceName}`
        : `read the space's key instead (e.g. num(h, '${unread[0]}')) or rename the key in ${spaceName}`,
    });
  }
  if (unknown.length === 0) {
    for (const key of unread) {
      findings.push({
        file: spacePath,
        line: lineOf(spaceText, new RegExp(`"${escapeRegExp(key)}"\\s*:`)),
        problem: `search-space key "${key}" is never read by ${module} in the dry run (getBatchSize, init, ${run.stepsRun} updates, selectData, prepareForEval): every trial tunes it for nothing`,
        fix: `read it in the submission (e.g. num(h, '${key}')) or remove it from ${spaceName}`,
      });
    }
  }
  const passed = findings.length === 0 ? [`hyperparameters: reads every search-space key (${keys.join(', ')}) and no other`] : [];
  return { findings, passed };
}

/** The name-blind check (name_blind.ts) as findings against the module. */
function nameBlindFindings(
  submission: Submission,
  workload: Workload,
  probeOptions: ProbeOptions,
  baseline: ProbeResult,
  file: string,
): { findings: Finding[]; passed: string[] } {
  const blind = nameBlindCheck(submission, workload, probeOptions, baseline);
  const fields = disguisesFor(workload).map((d) => d.field).join(', ');
  if (blind.differences.length === 0) {
    return {
      findings: [],
      passed: [`name-blind: same batch size, hyperparameters read and updates (within ${UPDATE_TOLERANCE * 100} %) with the workload's ${fields} disguised`],
    };
  }
  return {
    passed: [],
    findings: blind.differences.map((difference) => ({
      file,
      line: 0,
      problem: `${difference}: a submission must not pick behaviour by workload identity`,
      fix: "decide from ctx.workload's train size, parameter types and shapes and budget as quantities (a schedule over stepHint is fine), the same way on every workload; never from its name, its metric's name or exact budget values",
    })),
  };
}

async function dryRun(
  submission: Submission,
  workload: Workload,
  hparams: Hparams,
  options: ValidateOptions,
): Promise<{ summary: string; finding?: { problem: string; fix: string } }> {
  const steps = options.steps ?? 12;
  // Each step reads the clock twice (0.5 s apart): `steps` steps fill this budget.
  const budgetScale = (steps * 0.5) / workload.budget.maxRuntimeSec;
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
