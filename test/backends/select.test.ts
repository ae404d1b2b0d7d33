/** Backend choice: auto falls back to a built-in backend here; bad names are refused. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseBackendChoice, selectBackend } from '../../harness/backends/select.ts';
import { AlgobenchError } from '../../harness/core/errors.ts';

describe('selectBackend', () => {
  it('refuses an unknown backend name with the list of choices', () => {
    expect(() => parseBackendChoice('gpu')).toThrow(/unknown backend "gpu"; use one of: auto, tensorflow, wasm, cpu/);
  });

  it('auto picks a backend that passes the training probe, and says which', async () => {
    const info = await selectBackend('auto', async () => true);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(info.name);
    expect(tf.getBackend()).toBe(info.name);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('auto falls back to cpu when the probe fails on wasm', async () => {
    let calls = 0;
    const info = await selectBackend('auto', async () => {
      calls += 1;
      if (tf.getBackend() === 'wasm') throw new Error('kernel missing');
      return true;
    });
    if (info.name !== 'tensorflow') expect(info.name).toBe('cpu');
    expect(calls).toBeGreaterThan(0);
  });

  it('a named backend that cannot train is an error, not a silent fallback', async () => {
    await expect(selectBackend('wasm', async () => false)).rejects.toBeInstanceOf(AlgobenchError);
  });
});
