/**
 * `algobench verify-targets`: do the targets hold on this machine? `--ruleset
 * reference` (the default, a quick suite check) reruns each workload's reference
 * configuration with fresh seeds; `--ruleset external` runs the reference baseline as
 * a user's `run` would (studies × trials drawn from its search space) and passes a
 * workload when more than half of the studies reach the target.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { AlgobenchError } from '../core/errors.ts';
import type { BackendChoice } from '../backends/choice.ts';
import type { ExternalSummary, VerifySummary } from '../targets/verify_targets.ts';
import { integer, repeats } from './parsers.ts';
import { backendOption, seedOption, studiesOption, submissionOption, trialsOption, workloadOption } from './options.ts';
import { checkPlannedTrials, MAX_REPEATS, MAX_STUDIES } from '../benchmark/plan_bounds.ts';
import { getProcedure, getReference, getTargets } from '../../workloads/targets.ts';

const seconds = (s: number | null) => (s === null ? '—' : `${s.toFixed(1)} s`);

function render(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function referenceTable(summaries: readonly VerifySummary[], minReached: number): string {
  return render(
    ['workload', 'reference', 'reached', 'median time-to-target', 'budget', 'wall'],
    summaries.map((s) => [
      s.workload,
      `${s.reference.submission} ${Object.entries(s.reference.hparams).map(([k, v]) => `${k}=${v}`).join(' ')}`,
      `${s.reached}/${s.seeds}${s.reached >= minReached ? '' : '  FAIL'}`,
      seconds(s.medianTimeToTargetSec),
      `${s.budgetSec} s`,
      seconds(s.trials.reduce((a, t) => a + t.wallSec, 0)),
    ]),
  );
}

function externalTable(summaries: readonly ExternalSummary[]): string {
  return render(
    ['workload', 'baseline', 'targets procedure', 'reached studies', 'median time-to-target', 'budget', 'wall'],
    summaries.map((s) => {
      const [name, variant = 'base'] = s.workload.split(':');
      return [
        s.workload,
        s.submission,
        getProcedure(name!, variant) ?? 'unlabelled',
        `${s.reachedStudies}/${s.studies.length} (trials ${s.studies.map((st) => st.reachedTrials).join('+')}/${s.studies.length * s.trialsPerStudy})${s.passed ? '' : '  FAIL'}`,
        seconds(s.medianTimeToTargetSec),
        `${s.budgetSec} s`,
        seconds(s.trials.reduce((a, t) => a + t.wallSec, 0)),
      ];
    }),
  );
}

interface Flags {
  workload: string[]; ruleset: string; seeds: number; studies: number; trials: number; submission: string[];
  minReached?: number; seed: number; json?: string; backend: BackendChoice;
}

export function verifyTargetsCommand(): Command {
  return new Command('verify-targets')
    .description(
      "check the targets on this machine: --ruleset reference reruns each workload's reference configuration with fresh seeds (a quick check); --ruleset external runs the reference baseline (or the one -s names) under external tuning as `run` does (studies × trials from its search space; --seed as in that `run`) and needs the target in more than half of the studies",
    )
    .addOption(workloadOption('all'))
    .option('--ruleset <ruleset>', 'reference (rerun the recorded configuration) | external (tune as a user would, AlgoPerf)', 'reference')
    .option('--seeds <n>', 'reference: fresh seeds per workload (at most 100)', repeats('seeds'), 5)
    .addOption(studiesOption(3))
    .addOption(trialsOption(5))
    .addOption(submissionOption("each workload's reference submission"))
    .option(
      '--min-reached <n>',
      'reference: seeds that must reach the target (default all but one); external: studies that must (default more than half: 2 of 3)',
      integer('min-reached', { min: 1, max: Math.max(MAX_STUDIES, MAX_REPEATS) }),
    )
    .addOption(seedOption())
    .option('--json <file>', 'also write every trial and summary as JSON')
    .addOption(backendOption())
    .action(async (flags: Flags) => {
      const [{ selectBackend }, { readHardware }, { loadSubmission }, { defaultMinStudies, verifyExternal, verifyTargets }, { expandWorkloadRefs, getWorkload }] = await Promise.all([
        import('../backends/select.ts'),
        import('../identity/fingerprint.ts'),
        import('../submissions/load.ts'),
        import('../targets/verify_targets.ts'),
        import('../../workloads/registry.ts'),
      ]);
      if (flags.ruleset !== 'reference' && flags.ruleset !== 'external') {
        throw new AlgobenchError('E_USAGE', `--ruleset must be reference or external (got "${flags.ruleset}")`);
      }
      const refs = expandWorkloadRefs(flags.workload.length > 0 ? flags.workload : ['all']);
      const workloads = refs.map((ref) => getWorkload(ref));
      const external = flags.ruleset === 'external';
      const minReached = flags.minReached ?? (external ? defaultMinStudies(flags.studies) : Math.max(1, flags.seeds - 1));
      const limit = external ? flags.studies : flags.seeds;
      if (minReached > limit) throw new AlgobenchError('E_USAGE', `--min-reached ${minReached} is more than --${external ? 'studies' : 'seeds'} ${limit}`);
      if (flags.submission.length > 0 && !external) throw new AlgobenchError('E_USAGE', '--submission goes with --ruleset external; --ruleset reference runs the recorded configuration');
      if (flags.submission.length > 1) throw new AlgobenchError('E_USAGE', `verify-targets runs one baseline; pass one --submission (got ${flags.submission.join(', ')})`);
      const submission = flags.submission[0];
      checkPlannedTrials(
        external
          ? [{ what: 'workload(s)', n: refs.length }, { what: 'studies', n: flags.studies }, { what: 'trials', n: flags.trials }]
          : [{ what: 'workload(s)', n: refs.length }, { what: 'seeds', n: flags.seeds }],
        `verify a few workloads at a time (-w), or lower ${external ? '--studies / --trials' : '--seeds'}`,
      );
      const backend = await selectBackend(flags.backend);
      const hardware = await readHardware(backend);
      const started = performance.now();
      const targetsOf = (w: { name: string; variant: string }) => getTargets(w.name, w.variant);
      let failing: string[];
      let record: Record<string, unknown>;
      if (external) {
        process.stderr.write(
          `algobench: verifying ${refs.length} workload(s) under external tuning: ${flags.studies} studies × ${flags.trials} trials each, on ${backend.name} ${backend.version}\n`,
        );
        const summaries = await verifyExternal({
          workloads, studies: flags.studies, trials: flags.trials, baseSeed: flags.seed, minStudies: minReached, targetsOf,
          submissionOf: (w) => submission ?? getReference(w.name, w.variant)?.submission,
          loadSubmission,
          onTrial: (t, i, total) =>
            process.stderr.write(
              `[${i}/${total}] ${t.workload} ${t.submission} study ${t.study} trial ${t.trial} (seed ${t.seed}) ${Object.entries(t.hparams).map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(3)) : v}`).join(' ')}: ` +
                `${t.status}${t.timeToTargetSec === null ? '' : ` at ${t.timeToTargetSec.toFixed(1)} s`} (${t.steps} steps, wall ${t.wallSec.toFixed(1)} s)${t.error ? ` ${t.error}` : ''}\n`,
            ),
        });
        const wallSec = (performance.now() - started) / 1000;
        process.stdout.write(`${externalTable(summaries)}\ntotal wall time ${wallSec.toFixed(1)} s\n`);
        failing = summaries.filter((s) => !s.passed).map((s) => `${s.workload} (${s.reachedStudies}/${s.studies.length} studies)`);
        record = { ruleset: 'external', studies: flags.studies, trials: flags.trials, baseSeed: flags.seed, minReached, wallSec, summaries };
      } else {
        process.stderr.write(`algobench: verifying ${refs.length} workload(s) × ${flags.seeds} seed(s) of the reference configuration on ${backend.name} ${backend.version}\n`);
        const summaries = await verifyTargets({
          workloads, seeds: flags.seeds, baseSeed: flags.seed, targetsOf,
          referenceOf: (w) => getReference(w.name, w.variant),
          loadSubmission,
          onTrial: (t, i, total) =>
            process.stderr.write(
              `[${i}/${total}] ${t.workload} seed ${t.seed}: ${t.status}${t.timeToTargetSec === null ? '' : ` at ${t.timeToTargetSec.toFixed(1)} s`} (${t.steps} steps, wall ${t.wallSec.toFixed(1)} s)${t.error ? ` ${t.error}` : ''}\n`,
            ),
        });
        const wallSec = (performance.now() - started) / 1000;
        process.stdout.write(`${referenceTable(summaries, minReached)}\ntotal wall time ${wallSec.toFixed(1)} s\n`);
        failing = summaries.filter((s) => s.reached < minReached).map((s) => `${s.workload} (${s.reached}/${s.seeds} seeds)`);
        record = { ruleset: 'reference', seeds: flags.seeds, baseSeed: flags.seed, minReached, wallSec, summaries };
      }
      if (flags.json !== undefined) {
        mkdirSync(dirname(flags.json), { recursive: true });
        writeFileSync(flags.json, `${JSON.stringify({ date: new Date().toISOString(), hardware: hardware.fingerprint, backend: `${backend.name} ${backend.version}`, ...record }, null, 2)}\n`);
      }
      if (failing.length > 0) {
        const what = external ? 'the reference baseline under external tuning missed its targets' : 'reference configurations missed their targets';
        throw new AlgobenchError('E_VERIFY', `${what}: ${failing.join(', ')}; the targets, budgets or search spaces need re-deriving (set-targets)`);
      }
    });
}
