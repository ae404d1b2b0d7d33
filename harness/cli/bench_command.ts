/** `algobench bench` (npm run bench): step, eval and harness-overhead timings per workload. */
import { Command } from 'commander';
import { BACKEND_CHOICES, parseBackendChoice, selectBackend } from '../backends/select.ts';
import { benchBatchSize, benchWorkload, type BenchRow } from '../bench/bench.ts';
import { torchStep } from '../bench/torch_compare.ts';
import { loadSubmission } from '../submissions.ts';
import { getWorkload, WORKLOADS } from '../../workloads/registry.ts';

export function benchCommand(): Command {
  return new Command('bench')
    .description('time a training step, an eval and the harness overhead for each workload (tinybench)')
    .option('-w, --workload <names>', 'comma-separated workloads (default: all)')
    .option('-s, --submission <name>', 'submission whose step is timed', 'adamw')
    .option('--backend <backend>', `compute backend: ${BACKEND_CHOICES.join('|')}`, 'auto')
    .option('--time <ms>', 'milliseconds per measured task', Number, 3000)
    .option('--rounds <n>', 'alternating (bare loop, runner) rounds of the overhead measurement', Number, 6)
    .option('--block-sec <s>', 'seconds of each bare-loop and runner block', Number, 1.5)
    .option('--torch', 'also time the same model and batch in PyTorch (2 threads, before and after; the faster counts) and report the ratio')
    .option('--python <path>', 'Python with torch for --torch', '/usr/bin/python3')
    .option('--json', 'print machine-readable JSON')
    .action(async (flags: { workload?: string; submission: string; backend: string; time: number; rounds: number; blockSec: number; json?: boolean; torch?: boolean; python: string }) => {
      const names = flags.workload?.split(',').map((s) => s.trim()) ?? Object.keys(WORKLOADS);
      const workloads = names.map((n) => getWorkload(n));
      const { submission } = await loadSubmission(flags.submission);
      const backend = await selectBackend(parseBackendChoice(flags.backend));
      const rows: Array<BenchRow & { torchMs?: number; ratio?: number; torchError?: string }> = [];
      for (const w of workloads) {
        if (!flags.json) process.stderr.write(`benchmarking ${w.name}…\n`);
        // PyTorch is timed just before and just after algobench's step, and the faster
        // of the two counts: drift in a shared machine's speed cannot flatter the ratio.
        await w.load();
        const batch = flags.torch ? benchBatchSize(w, submission) : 0;
        const before = flags.torch ? torchStep(flags.python, w.name, batch, flags.time / 1000) : undefined;
        const row = await benchWorkload(w, submission, { timeMs: flags.time, rounds: flags.rounds, runnerSec: flags.blockSec });
        if (before === undefined) {
          rows.push(row);
          continue;
        }
        const after = torchStep(flags.python, w.name, row.batchSize, flags.time / 1000);
        const timings = [before, after].flatMap((t) => ('error' in t ? [] : [t.medianMs]));
        if (timings.length === 0) {
          rows.push({ ...row, torchError: 'error' in before ? before.error : 'failed' });
          continue;
        }
        const torchMs = Math.min(...timings);
        rows.push({ ...row, torchMs, ratio: row.stepMs / torchMs });
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ backend, submission: submission.name, rows }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`backend ${backend.name} ${backend.version}; step = ${submission.name}'s training step\n`);
      const header = ['workload'.padEnd(20), 'batch', 'step ms', 'eval ms', 'runner step ms', 'overhead'];
      if (flags.torch) header.push('torch ms', 'tfjs/torch');
      process.stdout.write(`${header.join('  ')}\n`);
      for (const r of rows) {
        const cells = [r.workload.padEnd(20), String(r.batchSize).padStart(5), r.stepMs.toFixed(2).padStart(7), r.evalMs.toFixed(1).padStart(7), r.runnerStepMs.toFixed(2).padStart(14), `${r.overheadPct.toFixed(1)} %`.padStart(8)];
        if (flags.torch) cells.push(r.torchMs === undefined ? `(${r.torchError})` : r.torchMs.toFixed(2).padStart(8), r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`.padStart(10));
        process.stdout.write(`${cells.join('  ')}\n`);
      }
    });
}
