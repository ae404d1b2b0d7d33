/**
 * Contract checks after every step: the params a submission returns keep the names,
 * shapes and dtypes they came in with. A breach ends the trial as `error` with one
 * line naming the parameter, the shapes and the step — instead of broadcasting on to
 * the end of the budget.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { StepResult, TensorMap, UpdateContext } from '../../harness/spec.ts';
import { runLinearTrial } from '../fixtures/run_linear.ts';
import { scriptedSubmission } from '../fixtures/scripted_submission.ts';

/** The scripted SGD submission with its returned params rewritten at `atStep`. */
function breaking(atStep: number, rewrite: (params: TensorMap) => TensorMap, hook: 'update' | 'prepareForEval' = 'update') {
  return runLinearTrial({
    workload: { budget: { maxRuntimeSec: 10 } },
    makeSubmission: (clock) => {
      const inner = scriptedSubmission({ clock, prepareForEval: { sec: 0 } });
      return {
        ...inner,
        update: (ctx: UpdateContext): StepResult => {
          const out = inner.update(ctx);
          return hook === 'update' && ctx.step === atStep ? { ...out, params: rewrite(out.params) } : out;
        },
        prepareForEval: (ctx) => {
          const out = inner.prepareForEval!(ctx);
          return hook === 'prepareForEval' ? { ...out, params: rewrite(out.params) } : out;
        },
      };
    },
  });
}

describe('runner contract checks', () => {
  it('ends the trial at the step that returned a parameter of another shape ([1, 1] for [1])', async () => {
    const { result } = await breaking(2, (p) => ({ ...p, b: tf.reshape(p['b']!, [1, 1]) }));
    expect(result.status).toBe('error');
    expect(result.steps).toBe(2);
    expect(result.error).toBe('update returned parameter "b" with shape [1, 1] at step 2; expected [1], the shape it came in with');
  });

  it('names a missing parameter', async () => {
    const { result } = await breaking(0, (p) => ({ w: p['w']! }));
    expect(result.status).toBe('error');
    expect(result.steps).toBe(0);
    expect(result.error).toMatch(/^update returned no tensor for parameter "b" at step 0/);
  });

  it('names an extra parameter', async () => {
    const { result } = await breaking(1, (p) => ({ ...p, extra: tf.zeros([2]) }));
    expect(result.error).toMatch(/^update returned unknown parameter "extra" at step 1/);
  });

  it('names a parameter of another dtype', async () => {
    const { result } = await breaking(3, (p) => ({ ...p, b: tf.cast(p['b']!, 'int32') }));
    expect(result.error).toBe('update returned parameter "b" as int32 at step 3; expected float32');
  });

  it('checks what prepareForEval returns too', async () => {
    const { result } = await breaking(0, (p) => ({ ...p, w: tf.reshape(p['w']!, [1, 4]) }), 'prepareForEval');
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/^prepareForEval returned parameter "w" with shape \[1, 4\] at step 3; expected \[4, 1\]/);
  });

  it('leaves no tensors behind after a breach', async () => {
    const before = tf.memory().numTensors;
    await breaking(2, (p) => ({ ...p, b: tf.reshape(p['b']!, [1, 1]) }));
    expect(tf.memory().numTensors).toBe(before);
  });
});
