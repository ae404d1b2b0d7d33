/**
 * `npx tsx harness/bench/zoo_profile.ts <model> [steps]`: where a zoo model's training
 * step spends its time on this machine's backend — each kernel's total time over a few
 * profiled steps (after a warm-up), largest first, with its call count and shapes.
 * A development tool: what to speed up next for `bench --zoo`.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backends/select.ts';
import { ZOO } from './zoo/index.ts';

const args = process.argv.slice(2);
/** --shapes: one line per kernel and input shapes, not per kernel. */
const byShape = args.includes('--shapes');
const [name, stepsArg] = args.filter((a) => a !== '--shapes');
const model = ZOO.find((m) => m.name === name);
if (model === undefined) {
  process.stderr.write(`usage: tsx harness/bench/zoo_profile.ts <model> [steps] [--shapes]; model is one of ${ZOO.map((m) => m.name).join(', ')}\n`);
  process.exit(2);
}
const steps = Number(stepsArg ?? 5);
const backend = await selectBackend('wasm');
const instance = model.build();
for (let i = 0; i < 3; i++) await instance.step();
const t0 = performance.now();
const info = await tf.profile(async () => {
  for (let i = 0; i < steps; i++) await instance.step();
});
const wall = (performance.now() - t0) / steps;
const byKernel = new Map<string, { ms: number; calls: number; shapes: Set<string> }>();
for (const k of info.kernels) {
  const shapes = k.inputShapes.map((s) => `[${s?.join(',') ?? ''}]`).join(' ');
  const key = byShape ? `${k.name} ${shapes}` : k.name;
  const entry = byKernel.get(key) ?? { ms: 0, calls: 0, shapes: new Set<string>() };
  entry.ms += Number(k.kernelTimeMs) / steps;
  entry.calls += 1 / steps;
  if (entry.shapes.size < 4 && !byShape) entry.shapes.add(shapes);
  byKernel.set(key, entry);
}
const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
process.stdout.write(`${model.name} on ${backend.name} ${backend.version}: ${wall.toFixed(2)} ms/step profiled (kernels ${total.toFixed(2)} ms)\n`);
for (const [kernel, e] of [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
  process.stdout.write(`${e.ms.toFixed(3).padStart(9)} ms  ${e.calls.toFixed(0).padStart(4)}×  ${kernel.padEnd(byShape ? 60 : 28)} ${[...e.shapes].join(' | ')}\n`);
}
instance.dispose();
