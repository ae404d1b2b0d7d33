/**
 * `algobench bench --optimizers` covers the kit: every optimizer that
 * submissions/kit/optimizers/*.ts exports has a case (found the way the kit's
 * conformance test finds them), each case runs its update through the bench's timing
 * loop and moves the parameters, and each names a PyTorch rule that exists and moves
 * the parameters too (where /usr/bin/python3 has torch). No timing is asserted.
 */
import * as tf from '@tensorflow/tfjs';
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import { OPTIMIZER_CASES } from '../../harness/bench/optimizer_cases.ts';
import { PARAM_SETS, paramCount, timeKitUpdate, type ParamSpec } from '../../harness/bench/optimizer_bench.ts';
import { HAS_TORCH, NO_TORCH, PYTHON } from './_torch.ts';

/** Small stand-ins for the bench's parameter sets: a matrix, a vector, a norm scale. */
const SMALL: readonly ParamSpec[] = [
  { name: 'w', shape: [12, 8], type: 'weight' },
  { name: 'b', shape: [8], type: 'bias' },
  { name: 'norm', shape: [8], type: 'norm_scale' },
];

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('bench --optimizers cases', () => {
  it('every optimizer the kit exports has a case', async () => {
    const dir = new URL('../../submissions/kit/optimizers/', import.meta.url);
    const factories: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const module = (await import(new URL(file, dir).href)) as Record<string, unknown>;
      factories.push(...Object.entries(module).filter(([, v]) => typeof v === 'function').map(([name]) => name));
    }
    expect(factories).toEqual(expect.arrayContaining(['adam', 'adamw', 'lion', 'shampoo', 'scheduleFreeAdamw']));
    const covered = new Set(OPTIMIZER_CASES.map((c) => c.factory));
    expect(factories.filter((f) => !covered.has(f)), 'kit optimizers with no bench case').toEqual([]);
  });

  it('the parameter sets hold about 1M and 10M float32 values', () => {
    expect(paramCount(PARAM_SETS['1M']!)).toBeGreaterThan(0.95e6);
    expect(paramCount(PARAM_SETS['1M']!)).toBeLessThan(1.05e6);
    expect(paramCount(PARAM_SETS['10M']!)).toBeGreaterThan(9.5e6);
    expect(paramCount(PARAM_SETS['10M']!)).toBeLessThan(10.5e6);
  });

  it.each(OPTIMIZER_CASES.map((c) => [c.factory, c] as const))('%s: the timed update runs, moves the parameters and leaks nothing', (_name, c) => {
    const before = tf.memory().numTensors;
    const timed = timeKitUpdate(c, SMALL, 0, 2);
    expect(timed.updates).toBe(2);
    expect(Number.isFinite(timed.medianMs)).toBe(true);
    expect(timed.moved, 'the smallest parameter changed').toBe(true);
    expect(tf.memory().numTensors - before, 'tensors left behind').toBe(0);
  });

  it.skipIf(!HAS_TORCH)(`every case names a PyTorch rule that moves the parameters${HAS_TORCH ? '' : ` (skipped: ${NO_TORCH})`}`, () => {
    const script = fileURLToPath(new URL('../../harness/bench/optimizers_torch.py', import.meta.url));
    const out = spawnSync(PYTHON, [script, '--smoke', '--shapes', JSON.stringify(SMALL.map((s) => s.shape))], { encoding: 'utf8', timeout: 120_000 });
    expect(out.status, out.stderr).toBe(0);
    const moved = JSON.parse(out.stdout) as Record<string, boolean>;
    for (const c of OPTIMIZER_CASES) expect(moved[c.torch], `torch rule ${c.torch} for ${c.factory}`).toBe(true);
  }, 130_000);
});
