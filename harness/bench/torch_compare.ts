/**
 * The PyTorch yardstick: runs harness/bench/torch_step.py (Debian's python3-torch,
 * 2 threads) for a workload's model and batch, so that `algobench bench --torch`
 * reports tfjs-step / torch-step measured side by side in one run.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./torch_step.py', import.meta.url));

export interface TorchTiming {
  readonly medianMs: number;
  readonly steps: number;
}

/** Median Adam step of the PyTorch twin, or the reason there is none. */
export function torchStep(python: string, model: string, batch: number, seconds: number): TorchTiming | { error: string } {
  const out = spawnSync(python, [SCRIPT, '--model', model, '--batch', String(batch), '--threads', '2', '--seconds', String(seconds)], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (out.status !== 0) {
    const why = (out.error?.message ?? out.stderr.trim().split('\n').at(-1) ?? `exit ${out.status}`).slice(0, 200);
    return { error: why };
  }
  const parsed = JSON.parse(out.stdout) as { median_ms: number; steps: number };
  return { medianMs: parsed.median_ms, steps: parsed.steps };
}
