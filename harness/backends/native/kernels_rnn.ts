/**
 * One time step of tf.layers' LSTMCell and GRUCell as one kernel forward and one
 * backward (src/rnn_cell.cc), with their gradients registered. harness/backends/wasm/
 * stock_rnn.ts routes the stock cells' `call` here. Inputs: `xw` = inputs·kernel
 * (a tf matMul, so its gradient is tfjs's), optional `bias`, the states `h` (and `c`),
 * and the whole `recurrentKernel` (the kernel reads its gate blocks in place, where the
 * stock cell splits it every step). The gradient kernels have no gradient of their own:
 * a gradient of a gradient through a fused cell is not supported.
 */
import * as tf from '@tensorflow/tfjs';
import { wasmBackend, type Info, type KernelArgs } from '../wasm/kernel_utils.ts';
import type { NativeAddon } from './addon.ts';
import { heap, kernel } from './kernel_parts.ts';

/**
 * Inputs xw [B, 4u], bias [4u] (optional), h [B, u], c [B, u], recurrentKernel [u, 4u]; outputs h', c', z [B, 4u].
 * Attrs: recurrentActivation (RECURRENT_ACTIVATIONS), hasBias (whether bias is given; the gradient reads it).
 */
export const LSTM_CELL_KERNEL = 'AlgobenchLstmCell';
/** Inputs z, h, c, recurrentKernel, dh, dc; outputs dxw, db, dh, dc, dRecurrentKernel. */
export const LSTM_CELL_GRAD_KERNEL = 'AlgobenchLstmCellGrad';
/** Inputs xw [B, 3u], bias [3u] (optional), h [B, u], recurrentKernel [u, 3u]; outputs h', aux [B, 4u]. Attrs as LSTM's. */
export const GRU_CELL_KERNEL = 'AlgobenchGruCell';
/** Inputs aux, h, recurrentKernel, dh; outputs dxw, db, dh, dRecurrentKernel. */
export const GRU_CELL_GRAD_KERNEL = 'AlgobenchGruCellGrad';

/** The recurrent activations the kernels compute (attr `recurrentActivation`), by tf.layers' name. */
export const RECURRENT_ACTIVATIONS: Readonly<Record<string, number>> = { hardSigmoid: 0, sigmoid: 1 };

/** The addon's cell functions (absent from addons built before src/rnn_cell.cc). */
interface CellAddon {
  lstmCell(act: number, batch: number, units: number, xw: Float32Array, bias: Float32Array | null, h: Float32Array, c: Float32Array,
    u: Float32Array, hOut: Float32Array, cOut: Float32Array, z: Float32Array): void;
  lstmCellGrad(act: number, batch: number, units: number, z: Float32Array, h: Float32Array, c: Float32Array, u: Float32Array,
    dhOut: Float32Array, dcOut: Float32Array, dz: Float32Array, db: Float32Array, dh: Float32Array, dc: Float32Array, du: Float32Array): void;
  gruCell(act: number, batch: number, units: number, xw: Float32Array, bias: Float32Array | null, h: Float32Array, u: Float32Array,
    hOut: Float32Array, aux: Float32Array): void;
  gruCellGrad(act: number, batch: number, units: number, aux: Float32Array, h: Float32Array, u: Float32Array, dhOut: Float32Array,
    dxw: Float32Array, db: Float32Array, dh: Float32Array, du: Float32Array): void;
}

function cellAddon(addon: NativeAddon): CellAddon | undefined {
  const a = addon as unknown as Partial<CellAddon>;
  return typeof a.lstmCell === 'function' && typeof a.gruCell === 'function' ? (a as CellAddon) : undefined;
}

/** The input infos of a cell kernel, checked: float32, h [B, u], the rest sized from gates·u. */
function cellInputs(name: string, args: KernelArgs, names: readonly string[]): { infos: Info[]; batch: number; units: number } {
  const infos = names.map((n) => {
    const t = args.inputs[n];
    if (t === undefined || t.dtype !== 'float32') throw new Error(`${name}: input ${n} must be a float32 tensor`);
    return t;
  });
  const h = args.inputs['h']!;
  if (h.shape.length !== 2) throw new Error(`${name}: h must be [batch, units] (got [${h.shape}])`);
  return { infos, batch: h.shape[0]!, units: h.shape[1]! };
}

const f32 = (backend: ReturnType<typeof wasmBackend>, info: Info) => heap(backend, info) as Float32Array;

function activation(name: string, args: KernelArgs): number {
  const act = Number(args.attrs?.['recurrentActivation']);
  if (act !== 0 && act !== 1) throw new Error(`${name}: recurrentActivation must be 0 (hardSigmoid) or 1 (sigmoid)`);
  return act;
}

/** Runs `fill` on fresh outputs of the given shapes; disposes them if it throws. */
function withOutputs(args: KernelArgs, shapes: number[][], fill: (outs: Info[]) => void): Info[] {
  const backend = wasmBackend(args);
  const outs = shapes.map((s) => backend.makeOutput(s, 'float32'));
  try {
    fill(outs);
  } catch (err) {
    for (const o of outs) backend.disposeData(o.dataId);
    throw err;
  }
  return outs;
}

function lstmCell(cells: CellAddon): tf.KernelConfig {
  return kernel(LSTM_CELL_KERNEL, (args) => {
    const act = activation(LSTM_CELL_KERNEL, args);
    const { infos: [xw, h, c, u], batch: B, units: n } = cellInputs(LSTM_CELL_KERNEL, args, ['xw', 'h', 'c', 'recurrentKernel']);
    const bias = args.inputs['bias'];
    const backend = wasmBackend(args);
    return withOutputs(args, [[B, n], [B, n], [B, 4 * n]], ([ho, co, z]) => {
      cells.lstmCell(act, B, n, f32(backend, xw!), bias === undefined ? null : f32(backend, bias), f32(backend, h!), f32(backend, c!),
        f32(backend, u!), f32(backend, ho!), f32(backend, co!), f32(backend, z!));
    });
  });
}

function lstmCellGrad(cells: CellAddon): tf.KernelConfig {
  return kernel(LSTM_CELL_GRAD_KERNEL, (args) => {
    const act = activation(LSTM_CELL_GRAD_KERNEL, args);
    const { infos: [z, h, c, u, dh, dc], batch: B, units: n } =
      cellInputs(LSTM_CELL_GRAD_KERNEL, args, ['z', 'h', 'c', 'recurrentKernel', 'dh', 'dc']);
    const backend = wasmBackend(args);
    return withOutputs(args, [[B, 4 * n], [4 * n], [B, n], [B, n], [n, 4 * n]], ([dz, db, dhOut, dcOut, du]) => {
      cells.lstmCellGrad(act, B, n, f32(backend, z!), f32(backend, h!), f32(backend, c!), f32(backend, u!), f32(backend, dh!),
        f32(backend, dc!), f32(backend, dz!), f32(backend, db!), f32(backend, dhOut!), f32(backend, dcOut!), f32(backend, du!));
    });
  });
}

function gruCell(cells: CellAddon): tf.KernelConfig {
  return kernel(GRU_CELL_KERNEL, (args) => {
    const act = activation(GRU_CELL_KERNEL, args);
    const { infos: [xw, h, u], batch: B, units: n } = cellInputs(GRU_CELL_KERNEL, args, ['xw', 'h', 'recurrentKernel']);
    const bias = args.inputs['bias'];
    const backend = wasmBackend(args);
    return withOutputs(args, [[B, n], [B, 4 * n]], ([ho, aux]) => {
      cells.gruCell(act, B, n, f32(backend, xw!), bias === undefined ? null : f32(backend, bias), f32(backend, h!), f32(backend, u!),
        f32(backend, ho!), f32(backend, aux!));
    });
  });
}

function gruCellGrad(cells: CellAddon): tf.KernelConfig {
  return kernel(GRU_CELL_GRAD_KERNEL, (args) => {
    const act = activation(GRU_CELL_GRAD_KERNEL, args);
    const { infos: [aux, h, u, dh], batch: B, units: n } = cellInputs(GRU_CELL_GRAD_KERNEL, args, ['aux', 'h', 'recurrentKernel', 'dh']);
    const backend = wasmBackend(args);
    return withOutputs(args, [[B, 3 * n], [3 * n], [B, n], [n, 3 * n]], ([dxw, db, dhOut, du]) => {
      cells.gruCellGrad(act, B, n, f32(backend, aux!), f32(backend, h!), f32(backend, u!), f32(backend, dh!), f32(backend, dxw!),
        f32(backend, db!), f32(backend, dhOut!), f32(backend, du!));
    });
  });
}

/** The cell kernels (none from an addon built before src/rnn_cell.cc). */
export function rnnCellKernelConfigs(addon: NativeAddon): tf.KernelConfig[] {
  const cells = cellAddon(addon);
  if (cells === undefined) return [];
  const bound = {
    lstmCell: cells.lstmCell.bind(addon), lstmCellGrad: cells.lstmCellGrad.bind(addon),
    gruCell: cells.gruCell.bind(addon), gruCellGrad: cells.gruCellGrad.bind(addon),
  };
  return [lstmCell(bound), lstmCellGrad(bound), gruCell(bound), gruCellGrad(bound)];
}

/** The gradient's inputs, named as the forward kernel's: bias only where the forward had one. */
function gradMap(names: readonly string[], grads: tf.Tensor[], hasBias: boolean): Record<string, () => tf.Tensor> {
  const map: Record<string, () => tf.Tensor> = {};
  names.forEach((n, i) => {
    if (n !== 'bias' || hasBias) map[n] = () => grads[i]!;
  });
  if (!hasBias) grads[names.indexOf('bias')]!.dispose();
  return map;
}

const LSTM_GRADIENT: tf.GradConfig = {
  kernelName: LSTM_CELL_KERNEL,
  inputsToSave: ['h', 'c', 'recurrentKernel'],
  outputsToSave: [false, false, true],
  gradFunc: (dy, saved, attrs) => {
    const [dh, dc] = dy as tf.Tensor[];
    const [h, c, u, z] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const grads = tf.engine().runKernel(LSTM_CELL_GRAD_KERNEL, { z, h, c, recurrentKernel: u, dh: dh!, dc: dc! },
      { recurrentActivation: attrs['recurrentActivation']! }) as tf.Tensor[];
    return gradMap(['xw', 'bias', 'h', 'c', 'recurrentKernel'], grads, attrs['hasBias'] === true);
  },
};

const GRU_GRADIENT: tf.GradConfig = {
  kernelName: GRU_CELL_KERNEL,
  inputsToSave: ['h', 'recurrentKernel'],
  outputsToSave: [false, true],
  gradFunc: (dy, saved, attrs) => {
    const [dh] = dy as tf.Tensor[];
    const [h, u, aux] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
    const grads = tf.engine().runKernel(GRU_CELL_GRAD_KERNEL, { aux, h, recurrentKernel: u, dh: dh! },
      { recurrentActivation: attrs['recurrentActivation']! }) as tf.Tensor[];
    return gradMap(['xw', 'bias', 'h', 'recurrentKernel'], grads, attrs['hasBias'] === true);
  },
};

let gradientsInstalled = false;

/** Registers the cell kernels' gradients (once per process). */
export function installRnnCellGradients(): void {
  if (gradientsInstalled) return;
  gradientsInstalled = true;
  tf.registerGradient(LSTM_GRADIENT);
  tf.registerGradient(GRU_GRADIENT);
}
