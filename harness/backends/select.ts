/**
 * Backend choice. `auto` prefers native TensorFlow (tfjs-node-gpu, then tfjs-node),
 * which npm skips where libtensorflow cannot be downloaded, then the best built-in
 * backend that can train the workloads at hand (wasm with algobench's kernels, then
 * the plain-JS cpu backend, which has every kernel).
 */
import * as tf from '@tensorflow/tfjs';
import { AlgobenchError, errorMessage, setting } from '../core/errors.ts';
import { installWasmKernels } from './wasm/index.ts';
import { cpuPlanLabel } from './cpu_plan.ts';

import type { BackendChoice } from './choice.ts';

export { BACKEND_CHOICES, type BackendChoice, parseBackendChoice } from './choice.ts';

/** The backend a trial ran on; recorded with every trial and in the hardware fingerprint. */
export interface BackendInfo {
  /** tfjs backend name: tensorflow | wasm | cpu */
  readonly name: string;
  /** The package that provides it, e.g. @tensorflow/tfjs-node-gpu. */
  readonly package: string;
  readonly version: string;
}

/** Answers whether the active backend can run a training step of every workload at hand. */
export type TrainingProbe = () => Promise<boolean>;

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

async function tryNative(): Promise<BackendInfo | undefined> {
  for (const pkg of NATIVE_PACKAGES) {
    try {
      const mod = (await import(pkg)) as { version?: Record<string, string> };
      if (await tf.setBackend('tensorflow')) {
        return { name: 'tensorflow', package: pkg, version: mod.version?.['tfjs-node'] ?? tf.version_core };
      }
    } catch {
      // Not installed (npm skipped the optional dependency) or libtensorflow missing.
    }
  }
  return undefined;
}

async function useWasm(): Promise<BackendInfo | undefined> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) return undefined;
    await tf.ready();
    const { nativeIdentity } = installWasmKernels();
    // Native kernels change the speed, so they are part of the recorded version (and so
    // of the hardware fingerprint that keys trials and leaderboards): which addon, which
    // kernels from it and on how many threads (native/addon.ts nativeAddonIdentity).
    return {
      name: 'wasm',
      package: '@tensorflow/tfjs-backend-wasm',
      version: nativeIdentity !== undefined ? `${wasm.version_wasm}+algobench-native.${nativeIdentity}` : wasm.version_wasm,
    };
  } catch {
    return undefined;
  }
}

async function useCpu(): Promise<BackendInfo> {
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', package: '@tensorflow/tfjs-backend-cpu', version: tf.version_core };
}

async function probeOk(probe: TrainingProbe | undefined): Promise<boolean> {
  if (probe === undefined) return true;
  try {
    return await probe();
  } catch {
    return false;
  }
}

/**
 * Activates a backend and says which. A named backend that cannot be had, or cannot
 * train the workloads, is an error rather than a silent fallback: the user asked for it.
 */
/**
 * Silences tfjs's console advice ("install our node backend"): algobench reports the
 * backend it chose itself. Called by the CLI entry point and by selectBackend.
 */
export function quietTfjs(): void {
  tf.env().set('PROD', true);
}

export async function selectBackend(choice: BackendChoice, probe?: TrainingProbe): Promise<BackendInfo> {
  const info = await chooseBackend(choice, probe);
  // Trials timed on CPUs of their own beside the harness's are another machine's timings.
  const plan = cpuPlanLabel();
  return plan === '' ? info : { ...info, version: `${info.version}+${plan}` };
}

async function chooseBackend(choice: BackendChoice, probe?: TrainingProbe): Promise<BackendInfo> {
  quietTfjs();
  if (choice === 'tensorflow' || choice === 'auto') {
    const native = await tryNative();
    if (native !== undefined) return native;
    if (choice === 'tensorflow') {
      throw new AlgobenchError(
        'E_BACKEND',
        `backend "tensorflow" is not available: @tensorflow/tfjs-node(-gpu) did not install here; use ${setting('backend')} auto, wasm or cpu`,
      );
    }
  }
  if (choice === 'wasm' || choice === 'auto') {
    const wasm = await useWasm();
    if (wasm !== undefined && (await probeOk(probe))) return wasm;
    if (choice === 'wasm') {
      throw new AlgobenchError(
        'E_BACKEND',
        wasm === undefined
          ? `backend "wasm" failed to start; use ${setting('backend')} cpu`
          : `backend "wasm" lacks a kernel these workloads need for training; use ${setting('backend')} auto or cpu`,
      );
    }
  }
  const cpu = await useCpu();
  if (probe !== undefined) {
    try {
      await probe();
    } catch (err) {
      throw new AlgobenchError('E_BACKEND', `no backend can train these workloads (cpu: ${errorMessage(err)})`);
    }
  }
  return cpu;
}
