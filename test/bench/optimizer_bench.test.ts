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
import { KitUpdates, PARAM_SETS, paramCount, timeKitUpdate, type ParamSpec } from '../../harness/bench/optimizer_bench.ts';
import type { OptimizerCase } from '../../harness/bench/optimizer_cases.ts';
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

  it('a rule whose work repeats is timed over whole periods, and its figure is the mean update, periodic work included', () => {
    // Every 4th update (from the first) busy-waits 40 ms, the others do next to nothing:
    // over whole periods the mean is at least 40/4 = 10 ms; the median of a period would be ~0.
    const PERIOD = 4;
    const SLOW_MS = 40;
    let calls = 0;
    const periodic: OptimizerCase = {
      factory: 'periodic', about: 'test', torch: 'sgd', period: PERIOD,
      make: () => ({
        init: () => ({}),
        update: (grads) => {
          if (calls++ % PERIOD === 0) {
            const until = performance.now() + SLOW_MS;
            while (performance.now() < until);
          }
          return { updates: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, -0.1)])), state: {} };
        },
      }),
    };
    const kit = new KitUpdates(periodic, SMALL);
    try {
      kit.warmUp();
      const figure = kit.round(0, 3, PERIOD);
      expect(kit.updates).toBe(PERIOD);
      expect(figure).toBeGreaterThanOrEqual(SLOW_MS / PERIOD);
      kit.round(0, PERIOD + 1, PERIOD);
      expect(kit.updates).toBe(3 * PERIOD);
      // Without a period: the median update, at least minUpdates of them.
      kit.round(0, 3);
      expect(kit.updates).toBe(3 * PERIOD + 3);
    } finally {
      kit.dispose();
    }
  });

  it.skipIf(!HAS_TORCH)(`every case names a PyTorch rule that moves the parameters${HAS_TORCH ? '' : ` (skipped: ${NO_TORCH})`}`, () => {
    const script = fileURLToPath(new URL('../../harness/bench/optimizers_torch.py', import.meta.url));
    const out = spawnSync(PYTHON, [script, '--smoke', '--shapes', JSON.stringify(SMALL.map((s) => s.shape))], { encoding: 'utf8', timeout: 120_000 });
    expect(out.status, out.stderr).toBe(0);
    const moved = JSON.parse(out.stdout) as Record<string, boolean>;
    for (const c of OPTIMIZER_CASES) expect(moved[c.torch], `torch rule ${c.torch} for ${c.factory}`).toBe(true);
  }, 130_000);

  it.skipIf(!HAS_TORCH)(`the PyTorch side times a rule with a period over whole periods${HAS_TORCH ? '' : ` (skipped: ${NO_TORCH})`}`, () => {
    const script = fileURLToPath(new URL('../../harness/bench/optimizers_torch.py', import.meta.url));
    const request = (period: number) => JSON.stringify({ rule: 'sgd', shapes: SMALL.map((s) => s.shape), seconds: 0, period });
    const out = spawnSync(PYTHON, [script, '--serve', '--threads', '1'], { input: `${request(4)}\n${request(1)}\n`, encoding: 'utf8', timeout: 120_000 });
    expect(out.status, out.stderr).toBe(0);
    const [withPeriod, without] = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as { updates: number; mean_ms: number; median_ms: number });
    expect(withPeriod!.updates).toBe(4);
    expect(withPeriod!.mean_ms).toBeGreaterThan(0);
    expect(without!.updates).toBe(3);
  }, 130_000);
});
