/** `algobench verify-targets`: rerun each workload's reference configuration with fresh seeds. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { AlgobenchError } from '../errors.ts';
import { BACKEND_CHOICES, parseBackendChoice, selectBackend } from '../backends/select.ts';
import { readHardware } from '../fingerprint.ts';
import { loadSubmission } from '../submissions.ts';
import { verifyTargets, type VerifySummary } from '../targets/verify_targets.ts';
import { collect, integer } from './options.ts';
import { expandWorkloadRefs, getWorkload } from '../../workloads/registry.ts';
import { getReference, getTargets } from '../../workloads/targets.ts';

const seconds = (s: number | null) => (s === null ? '—' : `${s.toFixed(1)} s`);

function table(summaries: readonly VerifySummary[], minReached: number): string {
  const rows = summaries.map((s) => [
    s.workload,
    `${s.reference.submission} ${Object.entries(s.reference.hparams).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    `${s.reached}/${s.seeds}${s.reached >= minReached ? '' : '  FAIL'}`,
    seconds(s.medianTimeToTargetSec),
    `${s.budgetSec} s`,
    seconds(s.trials.reduce((a, t) => a + t.wallSec, 0)),
  ]);
  const header = ['workload', 'reference', 'reached', 'median time-to-target', 'budget', 'wall'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function verifyTargetsCommand(): Command {
  return new Command('verify-targets')
    .description("rerun each workload's reference configuration (from the targets file) with fresh seeds on the real clock; fails unless enough seeds reach the target within the budget")
    .option('-w, --workload <name[:variant]>', 'workloads to verify (all = the fixed suite, NAME:* = its variants)', collect, [])
    .option('--seeds <n>', 'fresh seeds per workload', integer('seeds', { min: 1 }), 5)
    .option('--min-reached <n>', 'seeds that must reach the validation target (default: 4 of 5, i.e. all but one)', integer('min-reached', { min: 1 }))
    .option('--seed <n>', 'base seed', Number, 0)
    .option('--json <file>', 'also write every trial and summary as JSON')
    .option('--backend <backend>', `compute backend: ${BACKEND_CHOICES.join('|')}`, 'auto')
    .action(async (flags: { workload: string[]; seeds: number; minReached?: number; seed: number; json?: string; backend: string }) => {
      const refs = expandWorkloadRefs(flags.workload.length > 0 ? flags.workload : ['all']);
      const workloads = refs.map((ref) => getWorkload(ref));
      const minReached = flags.minReached ?? Math.max(1, flags.seeds - 1);
      if (minReached > flags.seeds) throw new AlgobenchError('E_USAGE', `--min-reached ${minReached} is more than --seeds ${flags.seeds}`);
      const backend = await selectBackend(parseBackendChoice(flags.backend));
      const hardware = await readHardware(backend);
      process.stderr.write(`algobench: verifying ${refs.length} workload(s) × ${flags.seeds} seed(s) on ${backend.name} ${backend.version}\n`);
      const started = performance.now();
      const summaries = await verifyTargets({
        workloads,
        seeds: flags.seeds,
        baseSeed: flags.seed,
        targetsOf: (w) => getTargets(w.name, w.variant),
        referenceOf: (w) => getReference(w.name, w.variant),
        loadSubmission,
        onTrial: (t, i, total) =>
          process.stderr.write(
            `[${i}/${total}] ${t.workload} seed ${t.seed}: ${t.status}${t.timeToTargetSec === null ? '' : ` at ${t.timeToTargetSec.toFixed(1)} s`} (${t.steps} steps, wall ${t.wallSec.toFixed(1)} s)${t.error ? ` ${t.error}` : ''}\n`,
          ),
      });
      const wallSec = (performance.now() - started) / 1000;
      process.stdout.write(`${table(summaries, minReached)}\ntotal wall time ${wallSec.toFixed(1)} s\n`);
      if (flags.json !== undefined) {
        mkdirSync(dirname(flags.json), { recursive: true });
        const record = { date: new Date().toISOString(), hardware: hardware.fingerprint, backend: `${backend.name} ${backend.version}`, wallSec, minReached, summaries };
        writeFileSync(flags.json, `${JSON.stringify(record, null, 2)}\n`);
      }
      const failing = summaries.filter((s) => s.reached < minReached).map((s) => `${s.workload} (${s.reached}/${s.seeds})`);
      if (failing.length > 0) {
        throw new AlgobenchError('E_VERIFY', `reference configurations missed their targets: ${failing.join(', ')}; the targets or budgets need re-deriving (set-targets)`);
      }
    });
}
