/**
 * Layer-wise trust ratio (LARS, You et al. 2017; LAMB, You et al. 2020), as optax's
 * `scale_by_trust_ratio` with its defaults: each parameter's update u is scaled by
 * ‖p‖/‖u‖ (whole-tensor L2 norms), or by 1 when either norm is 0, so that a zero
 * parameter (a fresh bias) or a zero update still moves as the inner optimizer says.
 */
import { mapExprs } from '../elementwise.ts';
import { elementwiseTransformation, type GradientTransformation } from '../transform.ts';

type Empty = Record<string, never>;

/**
 * The norms are reductions: Σu² and Σp² come out of one pass of the update's program
 * (neither u² nor u is stored; u stays an expression), and the ratio joins the
 * program as a broadcast scalar, so the rest of a chain still fuses around it.
 */
export function scaleByTrustRatio(): GradientTransformation<Empty> {
  return elementwiseTransformation<Empty>({
    init: () => ({}),
    updateElementwise: (updates, state, params) => ({
      updates: mapExprs(updates, (u, n) => {
        const b = u.program;
        const [u2, p2] = b.runWithSums([], [{ of: b.square(u) }, { of: b.square(params[n]!) }]).sums;
        // The ratio in the program too: scalar ops, computed once, not a tfjs op each.
        const pNorm = b.sqrt(p2!);
        const uNorm = b.sqrt(u2!);
        const zero = b.max(b.op('equal', pNorm, 0), b.op('equal', uNorm, 0));
        return b.mul(u, b.op('select', zero, 1, b.div(pNorm, uNorm)));
      }),
      state,
    }),
  });
}
