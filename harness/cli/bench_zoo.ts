/**
 * `algobench bench --zoo` and `bench --optimizers`: run the two side-by-side
 * benchmarks of harness/bench/ with a progress bar on stderr (one line per phase
 * where stderr is not a terminal) and print their tables, or JSON with --json.
 */
import cliProgress from 'cli-progress';
import type { BackendInfo } from '../backends/select.ts';
import { AlgobenchError } from '../core/errors.ts';
import { benchOptimizers, OPTIMIZER_ROUNDS, PARAM_SETS, type OptimizerRow } from '../bench/optimizer_bench.ts';
import { OPTIMIZER_CASES } from '../bench/optimizer_cases.ts';
import { benchZoo, geometricMean, ZOO_ROUNDS, type ZooRow } from '../bench/zoo_bench.ts';
import { ZOO, type ZooModel } from '../bench/zoo/index.ts';

/** The zoo models `--zoo-model` names (all when none), or one line naming the valid ones. */
export function selectZooModels(names: readonly string[]): ZooModel[] {
  if (names.length === 0) return [...ZOO];
  const unknown = names.filter((n) => !ZOO.some((m) => m.name === n));
  if (unknown.length > 0) {
    throw new AlgobenchError('E_USAGE', `unknown zoo model ${unknown.map((n) => `"${n}"`).join(', ')}; --zoo-model takes one or more of: ${ZOO.map((m) => m.name).join(', ')}`);
  }
  return ZOO.filter((m) => names.includes(m.name));
}

/** A bar over `total` phases on a terminal; elsewhere a line per phase. */
function progress(total: number, stream: NodeJS.WriteStream = process.stderr) {
  if (stream.isTTY !== true) return { update: (done: number, label: string) => stream.write(`[${done + 1}/${total}] ${label}\n`), stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { stream, format: '{bar} {value}/{total} · {label}', hideCursor: true, clearOnComplete: true, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { label: '' });
  return { update: (done: number, label: string) => bar.update(done, { label }), stop: () => bar.stop() };
}

const ms = (x: number | undefined) => (x === undefined ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(2));
const ratio = (x: number | undefined) => (x === undefined ? '—' : `${x.toFixed(2)}×`);
const spread = (x: number | undefined) => (x === undefined ? '—' : `${(100 * x).toFixed(0)} %`);

export async function zooCommand(models: readonly ZooModel[], backend: BackendInfo, flags: { python: string; seconds: number; torch: boolean; json: boolean }): Promise<void> {
  const bar = progress(models.length * ZOO_ROUNDS * (flags.torch ? 2 : 1));
  let done = 0;
  const rows = await benchZoo(models, {
    python: flags.python,
    seconds: flags.seconds,
    torch: flags.torch,
    rounds: ZOO_ROUNDS,
    onPhase: (_i, m, phase, round) => bar.update(done++, `${m.name}: ${phase}, round ${round + 1}/${ZOO_ROUNDS}`),
  });
  bar.stop();
  const geomean = geometricMean(rows.flatMap((r) => (r.ratio === undefined ? [] : [r.ratio])));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ backend, threads: 2, seconds: flags.seconds, rounds: ZOO_ROUNDS, rows, geometricMeanRatio: geomean ?? null }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `backend ${backend.name} ${backend.version}; Adam training step; PyTorch on 2 threads; ${ZOO_ROUNDS} interleaved rounds (torch, tfjs) of ${(flags.seconds / ZOO_ROUNDS).toFixed(1)} s each: ` +
      'the fastest round\'s median step, and the spread (slowest round / fastest − 1)\n',
  );
  printTable(
    ['model', 'params tfjs', 'params torch', 'batch', 'tfjs ms/step', 'spread', 'torch ms/step', 'spread', 'tfjs/torch'],
    rows.map((r: ZooRow) => [
      r.model, String(r.params), r.torchParams === undefined ? '—' : String(r.torchParams), String(r.batch),
      r.error ? `(${r.error})` : ms(r.tfjsMs), spread(r.tfjsSpread), r.torchError ? `(${r.torchError})` : ms(r.torchMs), spread(r.torchSpread), ratio(r.ratio),
    ]),
  );
  const n = rows.filter((r) => r.ratio !== undefined).length;
  process.stdout.write(`geometric mean of the ratios: ${ratio(geomean)} (${n} of ${rows.length} models)\n`);
}

export async function optimizersCommand(backend: BackendInfo, flags: { python: string; seconds: number; torch: boolean; json: boolean }): Promise<void> {
  const sizes = Object.keys(PARAM_SETS);
  const bar = progress(OPTIMIZER_CASES.length * sizes.length);
  const rows = await benchOptimizers(OPTIMIZER_CASES, {
    python: flags.python,
    seconds: flags.seconds,
    torch: flags.torch,
    sizes,
    rounds: OPTIMIZER_ROUNDS,
    onCase: (i, _total, c, size, phase, round) => bar.update(i, `${c.factory} on ${size}: ${phase}, round ${round + 1}/${OPTIMIZER_ROUNDS}`),
  });
  bar.stop();
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ backend, threads: 2, seconds: flags.seconds, rounds: OPTIMIZER_ROUNDS, rows }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `backend ${backend.name} ${backend.version}; one update (fixed gradients); PyTorch foreach on 2 threads; ${OPTIMIZER_ROUNDS} interleaved rounds (torch, kit, kit adamw): ` +
      'the fastest round\'s median update (a rule whose work repeats, Shampoo\'s roots every 100 steps: the mean over whole periods, on both sides), ' +
      'and the spread (slowest round / fastest − 1); kit/kit adamw: each side\'s fastest round, adamw timed in the same rounds\n',
  );
  printTable(
    ['optimizer', 'params', 'kit ms/update', 'spread', 'torch ms/update', 'spread', 'kit/torch', 'kit/kit adamw'],
    rows.map((r: OptimizerRow) => [
      r.optimizer, String(r.params), r.error ? `(${r.error})` : ms(r.kitMs), spread(r.kitSpread),
      r.torchError ? `(${r.torchError})` : ms(r.torchMs), spread(r.torchSpread), ratio(r.ratioTorch), ratio(r.ratioKitAdam),
    ]),
  );
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(`${line(header)}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}
