/**
 * `algobench compare A B`: paired trials of two submissions, run until the sequential
 * test decides at --alpha or the budget (--max-pairs, --max-minutes) is spent; prints
 * the verdicts, writes --json and compare.html. Re-running the same command resumes
 * the same sequence of pairs from the store. docs/compare.md describes the method.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { BackendChoice } from '../backends/select.ts';
import type { CompareOptions, ComparisonRun } from '../benchmark/compare.ts';
import { checkRunBounds, MAX_STUDIES } from '../benchmark/plan_bounds.ts';
import { AlgobenchError } from '../core/errors.ts';
import type { SideFacts } from '../report/compare_sides.ts';
import type { Comparison } from '../report/comparison.ts';
import type { PairTimes } from '../scoring/sequential.ts';
import type { Ruleset } from '../spec.ts';
import { outputFault, prepareOutDir } from '../store/dirs.ts';
import { interruptHandling } from './interrupt.ts';
import {
  backendOption, budgetScaleOption, dbOption, outDirOption, pricePerCoreHourOption, rulesetOption, searchSpaceOption, seedOption, selfBudgetScaleOption, trialsOption, workloadOption,
} from './options.ts';
import { integer, positiveNumber } from './parsers.ts';
import { searchSpacesOf } from './selection.ts';

interface CompareFlags {
  workload: string[];
  ruleset: Ruleset;
  trials: number;
  searchSpace: string[];
  seed: number;
  db: string;
  backend: BackendChoice;
  selfBudgetScale: number;
  budgetScale: number;
  alpha: number;
  maxPairs?: number;
  maxMinutes?: number;
  minEffect: number;
  json?: string;
  out?: string;
  pricePerCoreHour?: number;
}

/** Without --max-pairs or --max-minutes: enough for the test to decide on a clear difference (it needs ≥ 11 at α = 0.01). */
const DEFAULT_MAX_PAIRS = 30;

export const METHOD_NOTE =
  'Test: sequential sign test on paired trials (same seed, study and trial index), a uniform-mixture SPRT: ' +
  'always valid under optional stopping (Ville), stopped at the first look where the likelihood ratio reaches 1/α. ' +
  'A miss (any status but reached) is slower than any reached time of the other side; ties (equal times, both missed) carry no sign. ' +
  'Speedup: median over pairs of t_A / t_B, with the confidence sequence that inverts the same test. See docs/compare.md.';

export function compareCommand(): Command {
  return new Command('compare')
    .description('is B faster than A? paired trials on the same seeds, run until a sequential test decides at --alpha or the budget is spent (re-running resumes)')
    .argument('<A>', 'the submission compared against (a name from submissions/ or a module path)')
    .argument('<B>', 'the submission whose speedup over A is measured')
    .addOption(workloadOption('none; at least one is required'))
    .addOption(rulesetOption().default('self'))
    .addOption(trialsOption(1))
    .addOption(searchSpaceOption())
    .addOption(new Option('--alpha <level>', 'significance level of the sequential test').default(0.01).argParser(positiveNumber('alpha', 0.5, 'use a level such as 0.01 or 0.05')))
    .addOption(new Option('--max-pairs <n>', `stop each workload after this many pairs (a pair is a study; at most ${MAX_STUDIES}; default ${DEFAULT_MAX_PAIRS} unless --max-minutes is given)`).argParser(integer('max-pairs', { min: 1, max: MAX_STUDIES, fix: 'a pair is one study of each side' })))
    .addOption(new Option('--max-minutes <m>', 'start no new pair after this many minutes').argParser(positiveNumber('max-minutes', 7 * 24 * 60, 'a week at most')))
    .addOption(new Option('--min-effect <fraction>', 'the speedup the "more pairs" estimate aims to detect (0.05 = 5 %)').default(0.05).argParser(positiveNumber('min-effect', 10, 'use a fraction such as 0.05')))
    .addOption(seedOption())
    .addOption(dbOption())
    .addOption(backendOption())
    .addOption(selfBudgetScaleOption())
    .addOption(budgetScaleOption())
    .addOption(new Option('--json <file>', 'also write the comparison as JSON to this file'))
    .addOption(pricePerCoreHourOption())
    .addOption(outDirOption())
    .action(async (a: string, b: string, flags: CompareFlags) => {
      const interrupt = interruptHandling();
      // The runner, the registry (every workload, TensorFlow.js) and the page load here, not at
      // start-up: --help and a refused flag stay quick.
      const [{ runComparison }, { COMPARE_TEST, summarizeComparison }, { renderComparePage, siteIndexNear }, { expandWorkloadRefs }, { progressDisplay }] = await Promise.all([
        import('../benchmark/compare.ts'), import('../report/comparison.ts'), import('../../reports/compare_page.ts'), import('../../workloads/registry.ts'), import('./progress.ts'),
      ]);
      const options = toOptions(a, b, flags, expandWorkloadRefs(flags.workload).length, interrupt.signal);
      const display = progressDisplay();
      const run = await runComparison(options, interrupt.listen(display), `compare ${process.argv.slice(3).join(' ')}`).finally(() => display.close());
      const comparison = summarizeComparison({ a: run.aName, b: run.bName, alpha: flags.alpha, minEffect: flags.minEffect }, run.workloads);
      process.stdout.write(textOf(comparison, run));
      if (flags.json !== undefined) writeOutput(flags.json, `${JSON.stringify(jsonOf(comparison, run, flags, COMPARE_TEST), null, 2)}\n`, 'the comparison JSON');
      const page = join(flags.out ?? dirname(flags.db), 'compare.html');
      const siteIndex = siteIndexNear(dirname(page));
      writeOutput(page, renderComparePage({
        comparison,
        pairs: Object.fromEntries(run.workloads.map((w) => [w.workload, w.pairs])),
        stoppedBy: Object.fromEntries(run.workloads.map((w) => [w.workload, w.stoppedBy])),
        settings: settingsText(flags),
        method: METHOD_NOTE,
        dbPath: flags.db,
        generatedAt: new Date().toISOString(),
        ...(siteIndex === undefined ? {} : { siteIndex }),
        sides: await sidesOf(flags, run),
        ...(flags.pricePerCoreHour === undefined ? {} : { pricePerCoreHour: flags.pricePerCoreHour }),
      }), 'the compare page');
      process.stdout.write(`Compare page: ${resolve(page)}\n`);
      if (siteIndex === undefined) process.stdout.write(`(algobench report --out ${dirname(page)} links it from the report site)\n`);
      if (run.summary.interrupted) {
        throw new AlgobenchError('E_INTERRUPTED', 'interrupted; run the same command again to resume the comparison where it stopped');
      }
    });
}

function toOptions(a: string, b: string, flags: CompareFlags, workloadCount: number, signal: AbortSignal): CompareOptions {
  const maxPairs = flags.maxPairs ?? (flags.maxMinutes === undefined ? DEFAULT_MAX_PAIRS : undefined);
  checkRunBounds({
    studies: maxPairs ?? MAX_STUDIES,
    trials: flags.trials,
    seed: flags.seed,
    budgetScale: flags.budgetScale,
    selfTuningBudgetScale: flags.selfBudgetScale,
    workloadCount,
    submissionCount: 2,
  });
  if (flags.workload.length === 0) throw new AlgobenchError('E_USAGE', 'no workload given; pass --workload NAME[:VARIANT]');
  if (flags.ruleset === 'self' && flags.trials !== 1) {
    throw new AlgobenchError('E_USAGE', `--trials ${flags.trials} has no meaning under --ruleset self (one run per study); drop it or pass --ruleset external`);
  }
  return {
    a, b,
    workloads: flags.workload,
    ruleset: flags.ruleset,
    trials: flags.trials,
    ...(flags.searchSpace.length === 0 ? {} : { searchSpaces: searchSpacesOf(flags.searchSpace, [a, b]) }),
    seed: flags.seed,
    dbPath: flags.db,
    backend: flags.backend,
    selfTuningBudgetScale: flags.selfBudgetScale,
    budgetScale: flags.budgetScale,
    alpha: flags.alpha,
    ...(maxPairs === undefined ? {} : { maxPairs }),
    ...(flags.maxMinutes === undefined ? {} : { maxMinutes: flags.maxMinutes }),
    signal,
  };
}

function settingsText(flags: CompareFlags): string {
  const ruleset = flags.ruleset === 'self' ? 'self-tuning (each side\'s defaults, one trial per pair)' : `external tuning (${flags.trials} point(s) per side per pair, best of the study)`;
  const scale = flags.budgetScale === 1 ? '' : `, budgets × ${flags.budgetScale} (a smoke run)`;
  const spaces = flags.searchSpace.length === 0 ? '' : `, search spaces ${flags.searchSpace.join(', ')}`;
  return `Ruleset: ${ruleset}${spaces}${scale}; base seed ${flags.seed}; α = ${flags.alpha}.`;
}

function textOf(c: Comparison, run: ComparisonRun): string {
  const lines = c.workloads.map((w) => {
    const stopped = run.workloads.find((r) => r.workload === w.workload)?.stoppedBy;
    return `${w.verdict}${stopped === 'decided' || stopped === undefined ? '' : ` [stopped: ${stopped.replace('_', ' ')}]`}`;
  });
  if (c.workloads.length === 0) lines.push('no complete pair yet; run the same command again to resume');
  else if (c.workloads.length > 1) lines.push(c.overall.verdict);
  return `${lines.join('\n')}\n`;
}

/** Infinity is not JSON: a miss is null, an unbounded interval end too. */
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function jsonOf(c: Comparison, run: ComparisonRun, flags: CompareFlags, test: string) {
  const speedup = (s: { estimate: number; lower: number; upper: number }) => ({ estimate: finiteOrNull(s.estimate), lower: finiteOrNull(s.lower), upper: finiteOrNull(s.upper) });
  return {
    a: c.a,
    b: c.b,
    ruleset: flags.ruleset,
    trialsPerPair: flags.ruleset === 'self' ? 1 : flags.trials,
    ...(flags.searchSpace.length === 0 ? {} : { searchSpaces: flags.searchSpace }),
    budgetScale: flags.budgetScale,
    seed: flags.seed,
    alpha: c.alpha,
    minEffect: c.minEffect,
    test,
    workloads: c.workloads.map((w) => {
      const ran = run.workloads.find((r) => r.workload === w.workload);
      return {
        ...w,
        speedup: speedup(w.speedup),
        stoppedBy: ran?.stoppedBy,
        times: (ran?.pairs ?? []).slice(0, w.pairs).map((p: PairTimes) => ({ a: finiteOrNull(p.a), b: finiteOrNull(p.b) })),
      };
    }),
    overall: { ...c.overall, speedup: speedup(c.overall.speedup) },
  };
}

function writeOutput(file: string, content: string, what: string): void {
  try {
    prepareOutDir(dirname(file), what);
    writeFileSync(file, content);
  } catch (err) {
    throw outputFault(err, file, what);
  }
}

/** What each side ran and cost, read back from the store (the page's "what each side ran and cost" table). */
async function sidesOf(flags: CompareFlags, run: ComparisonRun): Promise<SideFacts[]> {
  const [{ Store }, { sideFactsFromStore }] = await Promise.all([import('../store/store.ts'), import('../report/compare_sides.ts')]);
  const store = Store.open(flags.db, { readonly: true });
  try {
    return sideFactsFromStore(store, {
      submissions: [run.aName, run.bName],
      pairs: Object.fromEntries(run.workloads.map((w) => [w.workload, w.pairs.length])),
      trialsPerSide: flags.ruleset === 'self' ? 1 : flags.trials,
      ruleset: flags.ruleset,
      budgetScale: flags.budgetScale,
      seed: flags.seed,
    });
  } finally {
    store.close();
  }
}
