/**
 * `npx tsx harness/bench/zoo_profile.ts <model> [steps] [--shapes] [--cpu]`: where a zoo
 * model's training step spends its time on this machine's backend — each kernel's total
 * time per step over a few profiled steps (after a warm-up), largest first, with its call
 * count and input shapes (--shapes: one line per kernel and shapes).
 *
 * --cpu measures the process's CPU time around each kernel call instead of wall time:
 * with ALGOBENCH_THREADS=1 that is the kernel's work, and it stays put on a loaded
 * shared machine, where wall times swing several-fold. A development tool: what to
 * speed up next for `bench --zoo`.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backends/select.ts';
import { ZOO } from './zoo/index.ts';

const args = process.argv.slice(2);
const byShape = args.includes('--shapes');
const cpu = args.includes('--cpu');
const [name, stepsArg] = args.filter((a) => !a.startsWith('--'));
const model = ZOO.find((m) => m.name === name);
if (model === undefined) {
  process.stderr.write(`usage: tsx harness/bench/zoo_profile.ts <model> [steps] [--shapes] [--cpu]; model is one of ${ZOO.map((m) => m.name).join(', ')}\n`);
  process.exit(2);
}
if (cpu && process.env['ALGOBENCH_THREADS'] !== '1') process.stderr.write('--cpu: set ALGOBENCH_THREADS=1, else CPU time adds up the threads\' time\n');
const steps = Number(stepsArg ?? 5);
const backend = await selectBackend('wasm');

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
type Entry = { ms: number; calls: number; shapes: Set<string> };
const table = new Map<string, Entry>();
const record = (kernel: string, inputShapes: string, ms: number) => {
  const key = byShape ? `${kernel} ${inputShapes}` : kernel;
  const entry = table.get(key) ?? { ms: 0, calls: 0, shapes: new Set<string>() };
  entry.ms += ms / steps;
  entry.calls += 1 / steps;
  if (entry.shapes.size < 4 && !byShape) entry.shapes.add(inputShapes);
  table.set(key, entry);
};
const shapesOf = (inputs: Record<string, { shape: readonly number[] } | undefined>) =>
  Object.values(inputs).map((t) => `[${t?.shape.join(',') ?? ''}]`).join(' ');

let recording = false;
if (cpu) {
  // Every wasm kernel, wrapped to add its CPU time while recording.
  for (const config of tf.getKernelsForBackend('wasm')) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({
      ...config,
      kernelFunc: (a) => {
        if (!recording) return inner(a);
        const t0 = cpuMs();
        const out = inner(a);
        record(config.kernelName, shapesOf(a.inputs as Record<string, { shape: number[] }>), cpuMs() - t0);
        return out;
      },
    });
  }
  await tf.setBackend('cpu');
  await tf.setBackend('wasm');
}

const instance = model.build();
for (let i = 0; i < 3; i++) await instance.step();
const t0 = performance.now();
const c0 = cpuMs();
if (cpu) {
  recording = true;
  for (let i = 0; i < steps; i++) await instance.step();
  recording = false;
} else {
  const info = await tf.profile(async () => {
    for (let i = 0; i < steps; i++) await instance.step();
  });
  for (const k of info.kernels) record(k.name, k.inputShapes.map((s) => `[${s?.join(',') ?? ''}]`).join(' '), Number(k.kernelTimeMs));
}
const wall = (performance.now() - t0) / steps;
const cpuStep = (cpuMs() - c0) / steps;
const total = [...table.values()].reduce((s, e) => s + e.ms, 0);
process.stdout.write(`${model.name} on ${backend.name} ${backend.version}: ${wall.toFixed(2)} ms/step wall, ${cpuStep.toFixed(2)} ms/step CPU; kernels ${total.toFixed(2)} ms ${cpu ? 'CPU' : 'wall'}\n`);
for (const [kernel, e] of [...table.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
  process.stdout.write(`${e.ms.toFixed(3).padStart(9)} ms  ${e.calls.toFixed(0).padStart(4)}×  ${kernel.padEnd(byShape ? 60 : 28)} ${[...e.shapes].join(' | ')}\n`);
}
instance.dispose();
