/**
 * Per-parameter ("block") RMS transformations from Adafactor (Shazeer & Stern 2018),
 * as optax's `clip_by_block_rms` and `scale_by_param_block_rms`. A block is one
 * parameter tensor; RMS(x) = √mean(x²) over the whole tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { dots } from '../dots.ts';
import { type Expr, type Operand, mapExprs } from '../elementwise.ts';
import { elementwiseTransformation, type GradientTransformation } from '../transform.ts';

type Empty = Record<string, never>;

/**
 * √mean(x²): Σx² in one pass of x's program (x² is not stored), then scalar ops in
 * the program itself (computed once, not a tfjs op each).
 */
function rms(program: Expr['program'], x: Operand): Expr {
  const [sum] = program.runWithSums([], [{ of: program.square(x) }]).sums;
  return program.sqrt(program.div(sum!, program.size));
}

/**
 * √mean(p²) of a tensor (a parameter, already in memory): Σp² by the dots kernel, one
 * native read, then the scalar ops in `program`.
 */
function tensorRms(program: Expr['program'], p: tf.Tensor): Expr {
  const sum = tf.reshape(dots([p], [[0, 0]])[0]!, []);
  return program.sqrt(program.div(sum, program.size));
}

/** u ← u / max(1, RMS(u)/threshold): Adafactor's update clipping, per parameter. */
export function clipByBlockRms(threshold: number): GradientTransformation<Empty> {
  return elementwiseTransformation<Empty>({
    init: () => ({}),
    updateElementwise: (updates, state) => ({
      updates: mapExprs(updates, (u) => u.program.div(u, u.program.max(u.program.div(rms(u.program, u), threshold), 1))),
      state,
    }),
  });
}

/**
 * u ← u · max(minScale, RMS(p)): Adafactor's relative step size, so that a step moves
 * each parameter in proportion to its own scale (minScale is the paper's ε2).
 */
export function scaleByParamBlockRms(minScale = 1e-3): GradientTransformation<Empty> {
  return elementwiseTransformation<Empty>({
    init: () => ({}),
    updateElementwise: (updates, state, params) => ({
      updates: mapExprs(updates, (u, n) => u.program.mul(u, u.program.max(tensorRms(u.program, params[n]!), minScale))),
      state,
    }),
  });
}
