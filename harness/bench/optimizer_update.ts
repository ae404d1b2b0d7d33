/**
 * A side-by-side timing of each kit optimizer's update on the wasm backend, with the
 * fused kernels (elementwise programs, fused Adam) on and off, next to AdamW's, on one
 * weight matrix plus a bias of 1M and 10M float32 parameters in all, in one run:
 *
 *   npx tsx harness/bench/optimizer_update.ts [--sizes 1e6,1e7] [--steps 5]
 *
 * The update is `updateAndApply` in a tidy, as defineSubmission steps, with a fixed
 * gradient (SAM's second gradient and schedule-free's gradient after an eval are the
 * same fixed gradient: this times the optimizer, not the model). Shampoo is left out:
 * its eigen-decompositions of a 1000×1000 statistic take seconds on the CPU and are not
 * elementwise. Median milliseconds per step.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backends/select.ts';
import type { OptState, ParamTypes, TensorMap } from '../spec.ts';
import { adafactor } from '../../submissions/kit/optimizers/adafactor.ts';
import { adagrad } from '../../submissions/kit/optimizers/adagrad.ts';
import { adamw, nadamw } from '../../submissions/kit/optimizers/adam.ts';
import { adamp } from '../../submissions/kit/optimizers/adamp.ts';
import { heavyBall } from '../../submissions/kit/optimizers/heavy_ball.ts';
import { lamb } from '../../submissions/kit/optimizers/lamb.ts';
import { lion } from '../../submissions/kit/optimizers/lion.ts';
import { nesterov } from '../../submissions/kit/optimizers/nesterov.ts';
import { rmsprop } from '../../submissions/kit/optimizers/rmsprop.ts';
import { sam } from '../../submissions/kit/optimizers/sam.ts';
import { scheduleFreeAdamw } from '../../submissions/kit/optimizers/schedule_free.ts';
import { sgd } from '../../submissions/kit/optimizers/sgd.ts';
import { setFusedOpsEnabled } from '../../submissions/kit/fused.ts';
import { type GradientTransformation, updateAndApply } from '../../submissions/kit/transform.ts';

const OPTIMIZERS: Record<string, () => GradientTransformation> = {
  adamw: () => adamw({ lr: 1e-3, weightDecay: 1e-2 }),
  nadamw: () => nadamw({ lr: 1e-3, weightDecay: 1e-2 }),
  lion: () => lion({ lr: 1e-4, weightDecay: 0.1 }),
  lamb: () => lamb({ lr: 1e-3, weightDecay: 1e-2 }),
  adafactor: () => adafactor({ lr: 1e-2, momentum: 0.9 }),
  rmsprop: () => rmsprop({ lr: 1e-3, momentum: 0.9 }),
  'rmsprop centred': () => rmsprop({ lr: 1e-3, centered: true }),
  adagrad: () => adagrad({ lr: 1e-2 }),
  sgd: () => sgd({ lr: 0.1, weightDecay: 5e-4 }),
  heavyBall: () => heavyBall({ lr: 0.1, momentum: 0.9, weightDecay: 5e-4 }),
  nesterov: () => nesterov({ lr: 0.1, momentum: 0.9, weightDecay: 5e-4 }),
  scheduleFreeAdamw: () => scheduleFreeAdamw({ lr: 1e-3, weightDecay: 1e-2 }),
  'sam(sgd)': () => sam(sgd({ lr: 0.1, momentum: 0.9 })),
  adamp: () => adamp({ lr: 1e-3, weightDecay: 1e-2 }),
};

/** `--skip adamp,…` leaves optimizers out (AdamP's projection takes seconds per step at 1M). */
const SKIP = new Set((process.argv.includes('--skip') ? process.argv[process.argv.indexOf('--skip') + 1] ?? '' : '').split(','));

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

function timeUpdates(make: () => GradientTransformation, total: number, steps: number, fused: boolean): number {
  setFusedOpsEnabled(fused);
  const side = Math.floor(Math.sqrt(total - 1000));
  const shapes: Record<string, number[]> = { w: [side, Math.floor((total - 1000) / side)], b: [1000] };
  const types: ParamTypes = { w: 'weight', b: 'bias' };
  let params: TensorMap = Object.fromEntries(Object.entries(shapes).map(([n, s]) => [n, tf.randomNormal(s, 0, 0.05, 'float32', 1)]));
  const grads: TensorMap = Object.fromEntries(Object.entries(shapes).map(([n, s]) => [n, tf.randomNormal(s, 0, 1, 'float32', 2)]));
  const opt = make();
  let state: OptState = opt.init(params);
  const times: number[] = [];
  for (let i = 0; i < steps + 2; i++) {
    const start = performance.now();
    const next = tf.tidy(() => {
      // Donated, as defineSubmission donates them: the old ones are disposed below.
      const { params: p, state: s } = updateAndApply(opt, grads, state, params, { types, gradAt: () => grads }, true);
      return { params: p, state: s };
    });
    (next.params['b'] as tf.Tensor).dataSync(); // the wasm backend is synchronous; this only makes sure
    const elapsed = performance.now() - start;
    const keep = new Set(tf.tensor_util.getTensorsInContainer(next as unknown as tf.TensorContainer));
    for (const t of tf.tensor_util.getTensorsInContainer({ params, state } as unknown as tf.TensorContainer)) if (!keep.has(t)) t.dispose();
    ({ params, state } = next);
    if (i >= 2) times.push(elapsed);
  }
  tf.dispose([params as unknown as tf.TensorContainer, state as tf.TensorContainer, grads as unknown as tf.TensorContainer]);
  setFusedOpsEnabled(true);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function main(): Promise<void> {
  await selectBackend('wasm');
  const sizes = flag('sizes', '1e6,1e7').split(',').map(Number);
  const steps = Number(flag('steps', '5'));
  for (const total of sizes) {
    const rows: [string, number, number][] = [];
    for (const [name, make] of Object.entries(OPTIMIZERS).filter(([n]) => !SKIP.has(n))) {
      const fused = timeUpdates(make, total, steps, true);
      const plain = timeUpdates(make, total, steps, false);
      rows.push([name, fused, plain]);
    }
    const adam = rows.find(([n]) => n === 'adamw')![1];
    console.log(`\n${(total / 1e6).toFixed(0)}M params (wasm, ${steps} timed steps, median ms per update)`);
    console.log('optimizer            fused ms   plain ms   plain/fused   fused/adamw(fused)');
    for (const [name, fused, plain] of rows) {
      console.log(`${name.padEnd(20)} ${fused.toFixed(1).padStart(8)}   ${plain.toFixed(1).padStart(8)}   ${(plain / fused).toFixed(2).padStart(11)}   ${(fused / adam).toFixed(2).padStart(18)}`);
    }
  }
}

await main();
