/**
 * DOTS_KERNEL (harness/spec.ts) natively (src/dots.cc): every dot product an optimizer
 * rule needs of a few same-sized tensors, per tensor or per column, in one threaded
 * pass that reads each input once. The ops it replaces (tf.mul then tf.sum per pair)
 * read every input once per pair and store each product. And SCHEDULE_FREE_KERNEL
 * (src/schedule_free.cc): schedule-free AdamW's whole step in one threaded pass. And
 * SAM_PERTURB_KERNEL (src/dots.cc): SAM's gradient norm over every parameter and its
 * perturbed point, in one call for all of them.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_MOMENTS_DOTS_KERNEL, ADAMP_KERNEL, DOTS_KERNEL, SAM_PERTURB_KERNEL, SCHEDULE_FREE_KERNEL } from '../../spec.ts';
import { type KernelArgs, wasmBackend } from '../wasm/kernel_utils.ts';
import type { NativeAddon } from './addon.ts';
import { heap, product } from './kernel_parts.ts';

function dotsKernel(addon: NativeAddon): tf.KernelConfig {
  return {
    kernelName: DOTS_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const pairs = (args.attrs?.['pairs'] as number[] | undefined) ?? [];
      const columns = Number(args.attrs?.['columns'] ?? 1);
      const inputs = Object.keys(args.inputs).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))).map((k) => args.inputs[k]!);
      const n = inputs.length > 0 ? product(inputs[0]!.shape) : 0;
      if (inputs.some((x) => x.dtype !== 'float32' || product(x.shape) !== n)) throw new Error(`${DOTS_KERNEL}: every input must be float32 of one size; got ${inputs.map((x) => `${x.dtype}[${x.shape}]`).join(', ')}`);
      if (!(Number.isInteger(columns) && columns >= 1 && n % columns === 0)) throw new Error(`${DOTS_KERNEL}: columns (${columns}) must be a positive divisor of the inputs' size ${n}`);
      if (pairs.length % 2 !== 0 || pairs.some((p) => !(Number.isInteger(p) && p >= 0 && p < inputs.length))) throw new Error(`${DOTS_KERNEL}: pairs must list input indices two by two (${inputs.length} inputs); got [${pairs}]`);
      const rowSums = args.attrs?.['rowSums'] === true;
      const backend = wasmBackend(args);
      // Outputs first: making one may grow the wasm heap and detach earlier views.
      const outs = Array.from({ length: pairs.length / 2 }, () => backend.makeOutput([columns], 'float32'));
      const rowOuts = rowSums ? Array.from({ length: pairs.length / 2 }, () => backend.makeOutput([n / columns], 'float32')) : [];
      const view = (o: (typeof outs)[number]) => heap(backend, o) as Float32Array;
      addon.dots!(inputs.map((x) => heap(backend, x) as Float32Array), Int32Array.from(pairs), n / columns, columns, outs.map(view), rowSums ? rowOuts.map(view) : undefined);
      return [...outs, ...rowOuts];
    },
  };
}

function scheduleFreeKernel(addon: NativeAddon): tf.KernelConfig {
  return {
    kernelName: SCHEDULE_FREE_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const ins = (['g', 'v', 'z', 'x', 'p'] as const).map((k) => args.inputs[k]!);
      const coefficients = Float64Array.from(args.attrs?.['coefficients'] as number[]);
      const shape = [...ins[0]!.shape];
      if (ins.some((t) => t.dtype !== 'float32' || product(t.shape) !== product(shape)) || coefficients.length !== 11) {
        throw new Error(`${SCHEDULE_FREE_KERNEL}: g, v, z, x, p must be float32 of one size and coefficients 11 numbers`);
      }
      const backend = wasmBackend(args);
      // Outputs first: making one may grow the wasm heap and detach earlier views.
      const outs = [0, 1, 2, 3].map(() => backend.makeOutput(shape, 'float32'));
      const f = (t: (typeof outs)[number]) => heap(backend, t) as Float32Array;
      addon.scheduleFreeStep!(f(ins[0]!), f(ins[1]!), f(ins[2]!), f(ins[3]!), f(ins[4]!), f(outs[0]!), f(outs[1]!), f(outs[2]!), f(outs[3]!), coefficients);
      return outs;
    },
  };
}

/**
 * LAMB's trust ratio ‖p‖/‖u + r·p‖ from the float32 sums [Σu², Σu·p, Σp²], in the float32
 * ops and order spec.ts gives for ADAM_MOMENTS_DOTS_KERNEL's `trustRatioDecay` (those of
 * the kit's trust-ratio program): each op in float64 rounded to float32, which is the
 * float32 op's result for +, ×, ÷ and √.
 */
function trustRatio([uu, up, pp]: Float32Array, r: number): number {
  const f = Math.fround;
  const dd = r === 0 ? uu! : f(f(uu! + f(up! * f(2 * r))) + f(pp! * f(r * r)));
  const pNorm = f(Math.sqrt(pp!));
  const dNorm = f(Math.sqrt(Math.max(dd, 0)));
  return pNorm === 0 || dNorm === 0 ? 1 : f(pNorm / dNorm);
}

/**
 * The four Adam operands (g, m, v, p: float32, one size; with `suffix`, g<suffix> … p<suffix>,
 * as the many-tensor form names them) and Adam's 10 coefficients of ADAM_MOMENTS_DOTS_KERNEL
 * and ADAMP_KERNEL, checked; throws naming `kernel`.
 */
function adamOperands(kernel: string, args: KernelArgs, suffix = ''): { ins: tf.TensorInfo[]; coefficients: Float64Array; shape: number[] } {
  const ins = (['g', 'm', 'v', 'p'] as const).map((k) => args.inputs[`${k}${suffix}`]!);
  const coefficients = Float64Array.from((args.attrs?.['coefficients'] as number[] | undefined) ?? []);
  const shape = ins[0] === undefined ? [] : [...ins[0].shape];
  if (ins.some((t) => t === undefined || t.dtype !== 'float32' || product(t.shape) !== product(shape)) || coefficients.length !== 10) {
    const [g, m, v, p] = ['g', 'm', 'v', 'p'].map((k) => `${k}${suffix}`);
    throw new Error(`${kernel}: ${g}, ${m}, ${v}, ${p} must be float32 tensors of one size and coefficients 10 numbers`);
  }
  return { ins, coefficients, shape };
}

/**
 * ADAM_MOMENTS_DOTS_KERNEL's form for several tensors (attrs `count`, `trustRatioDecays`):
 * inputs g0, m0, v0, p0, g1, ...; outputs m', v', u and the trust ratio of each tensor in
 * turn; one native call for all (adamMomentsDotsMany), each tensor as its own call computes it.
 */
function adamMomentsDotsMany(addon: NativeAddon, args: KernelArgs, count: unknown): tf.TensorInfo[] {
  const decays = args.attrs?.['trustRatioDecays'] as unknown;
  if (!(Number.isInteger(count) && (count as number) >= 1)) throw new Error(`${ADAM_MOMENTS_DOTS_KERNEL}: count must be a positive integer; got ${String(count)}`);
  if (!Array.isArray(decays) || decays.length !== count || decays.some((r) => !(typeof r === 'number' && Number.isFinite(r)))) {
    throw new Error(`${ADAM_MOMENTS_DOTS_KERNEL}: trustRatioDecays must be ${String(count)} finite numbers (one per tensor); got ${JSON.stringify(decays)}`);
  }
  const n = count as number;
  const operands = Array.from({ length: n }, (_, i) => adamOperands(ADAM_MOMENTS_DOTS_KERNEL, args, String(i)));
  const ins = operands.map((o) => o.ins);
  const coefficients = operands[0]!.coefficients;
  const backend = wasmBackend(args);
  // Outputs first: making one may grow the wasm heap and detach earlier views.
  const outs = ins.map((t) => [0, 1, 2].map(() => backend.makeOutput([...t[0]!.shape], 'float32')));
  const ratios = ins.map(() => backend.makeOutput([], 'float32'));
  const f = (t: tf.TensorInfo) => heap(backend, t) as Float32Array;
  const sums = new Float32Array(3 * n);
  const lists = [0, 1, 2, 3].map((j) => ins.map((t) => f(t[j]!)));
  const outLists = [0, 1, 2].map((j) => outs.map((o) => f(o[j]!)));
  if (typeof addon.adamMomentsDotsMany === 'function') {
    addon.adamMomentsDotsMany(lists[0]!, lists[1]!, lists[2]!, lists[3]!, outLists[0]!, outLists[1]!, outLists[2]!, sums, coefficients);
  } else {
    // An addon built before the many-tensor call: one call per tensor (the same bits).
    for (let i = 0; i < n; i++) addon.adamMomentsDots!(lists[0]![i]!, lists[1]![i]!, lists[2]![i]!, lists[3]![i]!, outLists[0]![i]!, outLists[1]![i]!, outLists[2]![i]!, sums.subarray(3 * i, 3 * i + 3), coefficients);
  }
  for (let i = 0; i < n; i++) f(ratios[i]!)[0] = trustRatio(sums.subarray(3 * i, 3 * i + 3), decays[i] as number);
  return outs.flatMap((o, i) => [...o, ratios[i]!]);
}

/** Adam's step and LAMB's three sums (or its trust ratio), or AdamP's per-column sums (ADAM_MOMENTS_DOTS_KERNEL), in one threaded pass (src/adam_dots.cc). */
function adamMomentsDotsKernel(addon: NativeAddon): tf.KernelConfig {
  return {
    kernelName: ADAM_MOMENTS_DOTS_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const count = args.attrs?.['count'];
      if (count !== undefined) return adamMomentsDotsMany(addon, args, count);
      const { ins, coefficients, shape } = adamOperands(ADAM_MOMENTS_DOTS_KERNEL, args);
      const backend = wasmBackend(args);
      const f = (t: tf.TensorInfo) => heap(backend, t) as Float32Array;
      const columns = args.attrs?.['columns'];
      if (columns !== undefined) {
        // AdamP's form: per-column sums of the pairs over (g, p, u).
        const pairs = (args.attrs?.['pairs'] as number[] | undefined) ?? [];
        const n = product(shape);
        if (!(Number.isInteger(columns) && (columns as number) >= 1 && n % (columns as number) === 0)) throw new Error(`${ADAM_MOMENTS_DOTS_KERNEL}: columns (${String(columns)}) must be a positive divisor of the size ${n}`);
        if (pairs.length % 2 !== 0 || pairs.some((q) => !(q === 0 || q === 1 || q === 2))) throw new Error(`${ADAM_MOMENTS_DOTS_KERNEL}: pairs must list indices of (0 g, 1 p, 2 the update) two by two; got [${pairs}]`);
        // Outputs first: making one may grow the wasm heap and detach earlier views.
        const outs = [0, 1, 2].map(() => backend.makeOutput(shape, 'float32'));
        const sums = Array.from({ length: pairs.length / 2 }, () => backend.makeOutput([columns as number], 'float32'));
        const [g, m, v, p] = ins.map(f) as [Float32Array, Float32Array, Float32Array, Float32Array];
        const [mOut, vOut, u] = outs.map(f) as [Float32Array, Float32Array, Float32Array];
        if (typeof addon.adamMomentsColumnDots === 'function') {
          addon.adamMomentsColumnDots(g, m, v, p, mOut, vOut, u, Int32Array.from(pairs), columns as number, sums.map(f), coefficients);
        } else {
          // An addon built before the one-pass form: Adam's kernel, then the dots kernel (the same bits, two passes).
          addon.adamMoments(g, m, v, mOut, vOut, u, coefficients);
          addon.dots!([g, p, u], Int32Array.from(pairs), n / (columns as number), columns as number, sums.map(f));
        }
        return [...outs, ...sums];
      }
      const decay = args.attrs?.['trustRatioDecay'];
      if (decay !== undefined && !(typeof decay === 'number' && Number.isFinite(decay))) throw new Error(`${ADAM_MOMENTS_DOTS_KERNEL}: trustRatioDecay must be a finite number; got ${String(decay)}`);
      // Outputs first: making one may grow the wasm heap and detach earlier views.
      const outs = [0, 1, 2].map(() => backend.makeOutput(shape, 'float32'));
      const scalars = [0, 1, 2].slice(0, decay === undefined ? 3 : 1).map(() => backend.makeOutput([], 'float32'));
      const sums = new Float32Array(3);
      addon.adamMomentsDots!(f(ins[0]!), f(ins[1]!), f(ins[2]!), f(ins[3]!), f(outs[0]!), f(outs[1]!), f(outs[2]!), sums, coefficients);
      if (decay !== undefined) f(scalars[0]!)[0] = trustRatio(sums, decay as number);
      else for (const [i, t] of scalars.entries()) f(t)[0] = sums[i]!;
      return [...outs, ...scalars];
    },
  };
}

/** AdamP's step of a projectable weight up to its last pass: Adam's, the channel sums, the branch and a factor per channel, and with `step` the step u + p·factor itself (ADAMP_KERNEL, src/adam_dots.cc). */
function adampKernel(addon: NativeAddon): tf.KernelConfig {
  return {
    kernelName: ADAMP_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const { ins, coefficients, shape } = adamOperands(ADAMP_KERNEL, args);
      const projection = Float64Array.from((args.attrs?.['projection'] as number[] | undefined) ?? []);
      const columns = args.attrs?.['columns'];
      const n = product(shape);
      if (!(Number.isInteger(columns) && (columns as number) >= 1 && n % (columns as number) === 0)) throw new Error(`${ADAMP_KERNEL}: columns (${String(columns)}) must be a positive divisor of the size ${n}`);
      if (projection.length !== 5) throw new Error(`${ADAMP_KERNEL}: projection must be 5 numbers (channel threshold, layer threshold, eps, wdRatio, wd); got ${projection.length}`);
      const backend = wasmBackend(args);
      // Outputs first: making one may grow the wasm heap and detach earlier views.
      const outs = [0, 1, 2].map(() => backend.makeOutput(shape, 'float32'));
      const factor = backend.makeOutput([columns as number], 'float32');
      const f = (t: tf.TensorInfo) => heap(backend, t) as Float32Array;
      const step = args.attrs?.['step'] === true;
      const operands = [f(ins[0]!), f(ins[1]!), f(ins[2]!), f(ins[3]!), f(outs[0]!), f(outs[1]!), f(outs[2]!), f(factor)] as const;
      if (step && typeof addon.adampStep === 'function') {
        addon.adampStep(...operands, columns as number, projection, coefficients);
      } else {
        addon.adampColumnStep!(...operands, columns as number, projection, coefficients);
        // An addon built before adampStep: the step u + p·factor here, in the same float32 ops.
        if (step) {
          const [p, u, k] = [operands[3], operands[6], operands[7]];
          for (let i = 0; i < u.length; i++) u[i] = Math.fround(u[i]! + Math.fround(p[i]! * k[i % (columns as number)]!));
        }
      }
      return [...outs, factor];
    },
  };
}

/** SAM's (or ASAM's) perturbed point of every parameter and the global norm, in one call (src/dots.cc). */
function samPerturbKernel(addon: NativeAddon): tf.KernelConfig {
  return {
    kernelName: SAM_PERTURB_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const count = Number(args.attrs?.['count'] ?? 0);
      const rho = Number(args.attrs?.['rho']);
      const eps = Number(args.attrs?.['eps']);
      const adaptive = args.attrs?.['adaptive'] === true;
      const ps = Array.from({ length: count }, (_, i) => args.inputs[`p${i}`]);
      const gs = Array.from({ length: count }, (_, i) => args.inputs[`g${i}`]);
      for (let i = 0; i < count; i++) {
        const p = ps[i], g = gs[i];
        if (p === undefined || g === undefined || p.dtype !== 'float32' || g.dtype !== 'float32' || product(p.shape) !== product(g.shape)) {
          throw new Error(`${SAM_PERTURB_KERNEL}: inputs p${i} and g${i} must be float32 tensors of one size (count ${count}); got ${p === undefined ? 'none' : `${p.dtype}[${p.shape}]`} and ${g === undefined ? 'none' : `${g.dtype}[${g.shape}]`}`);
        }
      }
      if (!(Number.isFinite(rho) && Number.isFinite(eps))) throw new Error(`${SAM_PERTURB_KERNEL}: rho and eps must be finite numbers; got ${rho}, ${eps}`);
      const backend = wasmBackend(args);
      // Outputs first: making one may grow the wasm heap and detach earlier views.
      const outs = ps.map((p) => backend.makeOutput([...p!.shape], 'float32'));
      const norm = backend.makeOutput([], 'float32');
      const f = (t: tf.TensorInfo) => heap(backend, t) as Float32Array;
      f(norm)[0] = addon.samPerturb!(ps.map((p) => f(p!)), gs.map((g) => f(g!)), outs.map(f), rho, eps, adaptive);
      return [...outs, norm];
    },
  };
}

/** The configs of the functions the addon has (one built before them has none of them). */
export function dotsKernelConfigs(addon: NativeAddon): tf.KernelConfig[] {
  return [
    ...(typeof addon.dots === 'function' ? [dotsKernel(addon)] : []),
    ...(typeof addon.scheduleFreeStep === 'function' ? [scheduleFreeKernel(addon)] : []),
    ...(typeof addon.adamMomentsDots === 'function' ? [adamMomentsDotsKernel(addon)] : []),
    ...(typeof addon.samPerturb === 'function' ? [samPerturbKernel(addon)] : []),
    ...(typeof addon.adampColumnStep === 'function' ? [adampKernel(addon)] : []),
  ];
}
