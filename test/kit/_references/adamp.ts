/**
 * AdamP in float64, from the official PyTorch algorithm (clovaai/AdamP `step` and
 * `_projection`), with the channel view on the last axis (TensorFlow.js kernel
 * layout; see the kit's doc comment), t the 1-based step:
 *   m ← b1m + (1−b1)g;  v ← b2v + (1−b2)g²;  denom = √v/√(1−b2ᵗ) + ε
 *   perturb = m/denom, or (b1m + (1−b1)g)/denom with nesterov
 *   for a projectable W (rank ≥ 2): the first view (channel, then layer) whose largest
 *   |cos(g, W)| is under δ/√(row size) removes the radial part of perturb row by row
 *   and sets ratio = wdRatio (else 1)
 *   W ← W·(1 − lr·λ·ratio) − lr/(1−b1ᵗ)·perturb
 * `branches` records which branch each parameter took at each step.
 */
import type { ParamType } from '../../../harness/spec.ts';
import { buffers, decays, type Lr, type MaskName, norm, perParameter, type ReferenceOptimizer, type Specs } from './common.ts';

export type AdampBranch = 'channel' | 'layer' | 'none';

export interface AdampReferenceOptions {
  lr: Lr;
  b1: number;
  b2: number;
  eps: number;
  wd: number;
  delta: number;
  wdRatio: number;
  nesterov: boolean;
  /** Which types may be projected (the kit's default: weight and conv_weight). */
  projectable: (type: ParamType) => boolean;
  mask: MaskName;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((s, x, k) => s + x * b[k]!, 0);
/** Column c of a row-major [rows, cols] array. */
export const column = (v: ArrayLike<number>, cols: number, c: number): Float64Array =>
  Float64Array.from({ length: v.length / cols }, (_, i) => v[i * cols + c]!);

export function adampReference(
  specs: Specs,
  o: AdampReferenceOptions,
): ReferenceOptimizer & { branches: Record<string, AdampBranch[]> } {
  const ms = buffers();
  const vs = buffers();
  const branches: Record<string, AdampBranch[]> = {};
  const inner = perParameter(specs, (p, g, step, name, spec) => {
    const m = ms(name, p.length);
    const v = vs(name, p.length);
    const t = step + 1;
    const bc1 = 1 - o.b1 ** t;
    const bc2 = 1 - o.b2 ** t;
    const perturb = new Float64Array(p.length);
    for (let k = 0; k < p.length; k++) {
      m[k] = o.b1 * m[k]! + (1 - o.b1) * g[k]!;
      v[k] = o.b2 * v[k]! + (1 - o.b2) * g[k]! * g[k]!;
      const denom = Math.sqrt(v[k]!) / Math.sqrt(bc2) + o.eps;
      perturb[k] = (o.nesterov ? o.b1 * m[k]! + (1 - o.b1) * g[k]! : m[k]!) / denom;
    }
    let ratio = 1;
    let branch: AdampBranch = 'none';
    if (spec.shape.length >= 2 && o.projectable(spec.type)) {
      const cols = spec.shape[spec.shape.length - 1]!;
      const rows = p.length / cols;
      const cos = (a: ArrayLike<number>, b: ArrayLike<number>) =>
        Math.abs(dot(a, b) / (Math.max(norm(a), o.eps) * Math.max(norm(b), o.eps)));
      let channelMax = 0;
      for (let c = 0; c < cols; c++) channelMax = Math.max(channelMax, cos(column(g, cols, c), column(p, cols, c)));
      if (channelMax < o.delta / Math.sqrt(rows)) {
        branch = 'channel';
        for (let c = 0; c < cols; c++) {
          const pc = column(p, cols, c);
          const scale = norm(pc) + o.eps;
          const along = dot(pc, column(perturb, cols, c)) / scale;
          for (let i = 0; i < rows; i++) perturb[i * cols + c] = perturb[i * cols + c]! - (pc[i]! / scale) * along;
        }
      } else if (cos(g, p) < o.delta / Math.sqrt(p.length)) {
        branch = 'layer';
        const scale = norm(p) + o.eps;
        const along = dot(p, perturb) / scale;
        for (let k = 0; k < p.length; k++) perturb[k] = perturb[k]! - (p[k]! / scale) * along;
      }
      if (branch !== 'none') ratio = o.wdRatio;
    }
    (branches[name] ??= []).push(branch);
    const lr = o.lr(step);
    const lambda = decays(o.mask, spec.type) ? o.wd : 0;
    for (let k = 0; k < p.length; k++) p[k] = p[k]! * (1 - lr * lambda * ratio) - (lr / bc1) * perturb[k]!;
  });
  return { ...inner, branches };
}
