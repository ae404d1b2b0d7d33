/**
 * Elementwise programs: a kit transformation states its per-parameter arithmetic as a
 * small program of float32 ops, and the program runs in one pass over memory through
 * the backend's ELEMENTWISE_PROGRAM_KERNEL (harness/spec.ts) where `tf.getKernel` finds
 * it, or op by op as ordinary tfjs ops where it does not (the cpu backend, or fused ops
 * switched off). Both paths run the same ops in the same order, and the kernel rounds
 * as the cpu backend does, so the choice changes speed, not results.
 *
 * Why a program and not one hand-written kernel per rule: every rule of the kit (and
 * any chain a user writes from kit transforms) is a handful of adds, multiplies, roots
 * and signs over same-shaped tensors, so one interpreter covers them all, and
 * consecutive transformations compose: `chain` hands each elementwise transformation
 * the previous one's updates as unevaluated expressions (`Expr`) and evaluates the
 * whole run of them, updates and new state together, in one kernel call per
 * parameter. Reductions (norms, RMS, row and column means) are sums the same pass
 * takes (`runWithSums`, over one axis or all) without storing what they sum; a
 * transformation then goes on building with the result as a broadcast scalar input,
 * or as an input repeated along the reduced axis (`along`). Without the kernel they
 * are tf.sum and tf.expandDims broadcasting.
 *
 * Nothing here reaches into the harness, so a kit file that uses it still runs from a
 * submission's own folder.
 */
import * as tf from '@tensorflow/tfjs';
import { ELEMENTWISE_PROGRAM_KERNEL, ELEMENTWISE_PROGRAM_OPS, ELEMENTWISE_PROGRAMS_KERNEL, type ElementwiseProgramOp } from '../../harness/spec.ts';
import { fusedOpsEnabled } from './fused.ts';

/** What an op takes: an expression of the same program, a tensor (of the program's size or a scalar), or a number. */
export type Operand = Expr | tf.Tensor | number;

type Node =
  /** `along`: the tensor lacks that axis of the program's shape and repeats along it. */
  | { readonly kind: 'input'; readonly tensor: tf.Tensor; readonly along?: number }
  | { readonly kind: 'const'; readonly value: number }
  | { readonly kind: 'op'; readonly op: Exclude<ElementwiseProgramOp, 'const'>; readonly args: readonly number[] };

const OPCODE = new Map<string, number>(ELEMENTWISE_PROGRAM_OPS.map(([name], i) => [name, i]));
const ARITY = new Map<string, number>(ELEMENTWISE_PROGRAM_OPS.map(([name, arity]) => [name, arity]));
const CONST_OPCODE = OPCODE.get('const')!;

/** A value of an elementwise program, not yet computed. */
export class Expr {
  constructor(
    readonly program: ElementwiseProgram,
    readonly node: number,
  ) {}
}

/** A sum of an expression over one axis of the program's shape, or over all of it (no axis). */
export interface Sum {
  readonly of: Operand;
  readonly axis?: number;
}

/** A map of parameter names to expressions, as `chain` passes updates between elementwise transformations. */
export type ExprMap = Record<string, Expr>;

/** The ops of one parameter's program; `run` or `materialize` computes what it describes. */
export class ElementwiseProgram {
  private readonly nodes: Node[] = [];
  private readonly inputNodes = new Map<tf.Tensor, number>();
  private readonly constNodes = new Map<number, number>();
  readonly size: number;

  constructor(readonly shape: readonly number[]) {
    this.size = shape.reduce((a, b) => a * b, 1);
  }

  /** An operand as an expression of this program (a tensor becomes an input, a number a constant). */
  value(x: Operand): Expr {
    if (x instanceof Expr) {
      if (x.program !== this) throw new Error('elementwise: an expression of another parameter\'s program was used here; build each parameter\'s update in its own program');
      return x;
    }
    if (typeof x === 'number') {
      // Constants are shared, except −0, which a Map would not tell from 0.
      const shareable = !Object.is(x, -0);
      const known = shareable ? this.constNodes.get(x) : undefined;
      if (known !== undefined) return new Expr(this, known);
      this.nodes.push({ kind: 'const', value: x });
      if (shareable) this.constNodes.set(x, this.nodes.length - 1);
      return new Expr(this, this.nodes.length - 1);
    }
    if (x.size !== this.size && x.size !== 1) {
      throw new Error(`elementwise: a tensor of shape [${x.shape}] cannot join a program over shape [${this.shape}]; it must have the same size or be a scalar`);
    }
    const known = this.inputNodes.get(x);
    if (known !== undefined) return new Expr(this, known);
    this.nodes.push({ kind: 'input', tensor: x });
    this.inputNodes.set(x, this.nodes.length - 1);
    return new Expr(this, this.nodes.length - 1);
  }

  /**
   * A tensor of the program's shape without `axis`, repeated along it (as
   * `tf.expandDims(t, axis)` broadcasts): a per-row or per-column factor.
   */
  along(t: tf.Tensor, axis: number): Expr {
    const expected = this.shape.filter((_, i) => i !== axis);
    if (!(axis >= 0 && axis < this.shape.length) || t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
      throw new Error(`elementwise: along(axis ${axis}) takes a tensor of shape [${expected}] for a program over [${this.shape}], not [${t.shape}]`);
    }
    this.nodes.push({ kind: 'input', tensor: t, along: axis });
    return new Expr(this, this.nodes.length - 1);
  }

  /** Any op of ELEMENTWISE_PROGRAM_OPS by name. */
  op(op: Exclude<ElementwiseProgramOp, 'const'>, ...operands: Operand[]): Expr {
    if (operands.length !== ARITY.get(op)) throw new Error(`elementwise: ${op} takes ${ARITY.get(op)} operands, not ${operands.length}`);
    const args = operands.map((x) => this.value(x).node);
    this.nodes.push({ kind: 'op', op, args });
    return new Expr(this, this.nodes.length - 1);
  }

  // The ops are getters that hand out a closure over this program, so that a rule may
  // take them apart (`const { add, sqrt } = g.program`) as well as call them as methods;
  // arrow-function fields did the same but were re-created, all twenty, with every
  // program (one per parameter per step).
  get add(): (a: Operand, b: Operand) => Expr { return (a, b) => this.op('add', a, b); }
  get sub(): (a: Operand, b: Operand) => Expr { return (a, b) => this.op('sub', a, b); }
  get mul(): (a: Operand, b: Operand) => Expr { return (a, b) => this.op('mul', a, b); }
  get div(): (a: Operand, b: Operand) => Expr { return (a, b) => this.op('div', a, b); }
  get divNoNan(): (a: Operand, b: Operand) => Expr { return (a, b) => this.op('divNoNan', a, b); }
  get max(): (a: Operand, b: Operand) => Expr { return (a, b) => this.op('max', a, b); }
  get min(): (a: Operand, b: Operand) => Expr { return (a, b) => this.op('min', a, b); }
  get neg(): (a: Operand) => Expr { return (a) => this.op('neg', a); }
  get abs(): (a: Operand) => Expr { return (a) => this.op('abs', a); }
  get sign(): (a: Operand) => Expr { return (a) => this.op('sign', a); }
  get sqrt(): (a: Operand) => Expr { return (a) => this.op('sqrt', a); }
  get rsqrt(): (a: Operand) => Expr { return (a) => this.op('rsqrt', a); }
  get square(): (a: Operand) => Expr { return (a) => this.op('square', a); }
  get relu(): (a: Operand) => Expr { return (a) => this.op('relu', a); }
  /** a·b + c with two roundings (tf.add(tf.mul(a, b), c)). */
  get mulAdd(): (a: Operand, b: Operand, c: Operand) => Expr { return (a, b, c) => this.op('mulAdd', a, b, c); }
  /** old·decay + x·(1 − decay): the moving average of every moment in the kit. */
  get average(): (old: Operand, x: Operand, decay: number) => Expr {
    return (old, x, decay) => this.op('add', this.op('mul', old, decay), this.op('mul', x, 1 - decay));
  }

  /**
   * Computes `outputs` now, each a tensor of the program's shape, in one kernel call
   * (or op by op without the kernel). An output that is an input is that tensor itself.
   */
  run(outputs: readonly Expr[], donors?: ReadonlySet<tf.Tensor>): tf.Tensor[] {
    return this.runWithSums(outputs, [], donors).outputs;
  }

  /**
   * `run`, and in the same pass the sums of `sums` — each over one axis (the shape
   * without it) or, without an axis, over every element (a scalar) — without storing
   * what they sum. The kernel adds in float64 and rounds once; the ops path is tf.sum,
   * so the two agree to float32 rounding of the sum, not bit for bit.
   *
   * `donors`: inputs whose memory the outputs may take (see `materialize`); the
   * kernel writes outputs there when the backend holds no other tensor of that
   * memory, and an output then shares it with the donor. The bits are the same.
   */
  runWithSums(outputs: readonly Expr[], sums: readonly Sum[], donors?: ReadonlySet<tf.Tensor>): { outputs: tf.Tensor[]; sums: tf.Tensor[] } {
    const wanted = outputs.map((e) => this.value(e).node);
    const summed = sums.map((s) => ({ node: this.value(s.of).node, axis: s.axis ?? -1 }));
    return kernelAvailable(this) ? this.runKernel(wanted, summed, donors) : this.runOps(wanted, summed);
  }

  /** The tensors of this program's full-size inputs (those an output could be written over). */
  fullInputs(): tf.Tensor[] {
    const out: tf.Tensor[] = [];
    for (const n of this.nodes) if (n.kind === 'input' && n.along === undefined && n.tensor.size === this.size) out.push(n.tensor);
    return out;
  }

  /**
   * Computes `outputs` now and from here on reads them as inputs, so that what follows
   * (a reduction of them, typically) builds on the computed values.
   */
  evaluate(outputs: readonly Expr[]): tf.Tensor[] {
    return this.evaluateWithSums(outputs, []).outputs;
  }

  /** `evaluate`, with `runWithSums`'s sums taken in the same pass. */
  evaluateWithSums(outputs: readonly Expr[], sums: readonly Sum[]): { outputs: tf.Tensor[]; sums: tf.Tensor[] } {
    const done = this.runWithSums(outputs, sums);
    outputs.forEach((e, i) => {
      const node = this.nodes[e.node]!;
      if (node.kind !== 'input') {
        this.nodes[e.node] = { kind: 'input', tensor: done.outputs[i]! };
        this.inputNodes.set(done.outputs[i]!, e.node);
      }
    });
    return done;
  }

  /** Whether every input is float32 (what the kernel takes). */
  allFloat32(): boolean {
    return this.nodes.every((n) => n.kind !== 'input' || n.tensor.dtype === 'float32');
  }

  /** The nodes `wanted` depends on, in program order. */
  private live(wanted: readonly number[]): boolean[] {
    const live = this.nodes.map(() => false);
    for (const w of wanted) live[w] = true;
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i]!;
      if (live[i] && node.kind === 'op') for (const a of node.args) live[a] = true;
    }
    return live;
  }

  private runKernel(
    wanted: readonly number[],
    summed: readonly { node: number; axis: number }[],
    donors: ReadonlySet<tf.Tensor> | undefined,
  ): { outputs: tf.Tensor[]; sums: tf.Tensor[] } {
    const c = this.compile(wanted, summed, donors);
    const out = c.computed.length > 0 || summed.length > 0 ? (tf.engine().runKernel(ELEMENTWISE_PROGRAM_KERNEL, namedInputs(c.inputs), c.attrs as never) as tf.Tensor[]) : [];
    return this.finish(c, out);
  }

  /** The program as ELEMENTWISE_PROGRAM_KERNEL takes it, for the outputs `wanted` and the sums `summed`. */
  compile(wanted: readonly number[], summed: readonly { node: number; axis: number }[], donors: ReadonlySet<tf.Tensor> | undefined): Compiled {
    const live = this.live(summed.length === 0 ? wanted : [...wanted, ...summed.map((s) => s.node)]);
    const nodes = this.nodes;
    const inputAxes: number[] = [];
    const register: number[] = new Array<number>(nodes.length);
    const inputs: tf.Tensor[] = [];
    // Inputs whose memory an output may take: donated, full size, more than one element.
    const donorRegisters: number[] = [];
    let registers = 0;
    let anyAlong = false;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      if (!live[i] || node.kind !== 'input') continue;
      inputs.push(node.tensor);
      inputAxes.push(node.along ?? -1);
      anyAlong ||= node.along !== undefined;
      if (donors?.has(node.tensor) === true && node.along === undefined && node.tensor.size === this.size && this.size > 1) donorRegisters.push(registers);
      register[i] = registers++;
    }
    const code: number[] = [];
    const constants: number[] = [];
    const inputCount = registers;
    // The last instruction that reads each input register (for pairing outputs with donors).
    const lastRead = new Array<number>(inputCount).fill(-1);
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      if (!live[i] || node.kind === 'input') continue;
      if (node.kind === 'const') {
        code.push(CONST_OPCODE, constants.length, 0, 0);
        constants.push(node.value);
      } else {
        const args = node.args;
        const at = registers - inputCount;
        for (const a of args) if (register[a]! < inputCount) lastRead[register[a]!] = at;
        code.push(OPCODE.get(node.op)!, register[args[0]!]!, args.length > 1 ? register[args[1]!]! : 0, args.length > 2 ? register[args[2]!]! : 0);
      }
      register[i] = registers++;
    }
    for (const s of summed) if (register[s.node]! < inputCount) lastRead[register[s.node]!] = Infinity;
    // Outputs that are full-size inputs are returned as they are; the rest are computed.
    const computed: number[] = [];
    for (const w of wanted) if (!this.isFullInput(w) && !computed.includes(w)) computed.push(w);
    const attrs: Record<string, unknown> = { shape: [...this.shape], code, constants, outputs: computed.map((w) => register[w]!) };
    // The optional attributes only when used: a backend of the first contract still runs plain programs.
    if (anyAlong) attrs['inputAxes'] = inputAxes;
    if (summed.length > 0) attrs['sums'] = summed.flatMap((s) => [register[s.node]!, s.axis]);
    if (donorRegisters.length > 0) attrs['inPlace'] = pairDonors(computed.map((w) => register[w]! - inputCount), donorRegisters, lastRead);
    return { program: this, inputs, attrs, computed, wanted, plain: !anyAlong && summed.length === 0 && computed.length > 0 && this.size > 0 };
  }

  /** The outputs (and sums) of a compiled program from what the kernel returned for it. */
  finish(c: Compiled, out: readonly tf.Tensor[]): { outputs: tf.Tensor[]; sums: tf.Tensor[] } {
    const results = new Map<number, tf.Tensor>();
    c.computed.forEach((w, i) => results.set(w, out[i]!));
    return { outputs: c.wanted.map((w) => results.get(w) ?? this.inputTensor(w)), sums: out.slice(c.computed.length) };
  }

  private isFullInput(node: number): boolean {
    const n = this.nodes[node]!;
    return n.kind === 'input' && n.along === undefined && n.tensor.size === this.size;
  }

  private inputTensor(node: number): tf.Tensor {
    const n = this.nodes[node]!;
    if (n.kind !== 'input') throw new Error('elementwise: internal error, a computed output was not returned by the kernel');
    return reshaped(n.tensor, this.shape);
  }

  /** The same program as ordinary tfjs ops, in program order. */
  private runOps(wanted: readonly number[], summed: readonly { node: number; axis: number }[]): { outputs: tf.Tensor[]; sums: tf.Tensor[] } {
    const live = this.live([...wanted, ...summed.map((s) => s.node)]);
    const values: (tf.Tensor | number | undefined)[] = [];
    this.nodes.forEach((node, i) => {
      if (!live[i]) return;
      if (node.kind === 'input') values[i] = node.along === undefined ? node.tensor : tf.expandDims(node.tensor, node.along);
      else if (node.kind === 'const') values[i] = node.value;
      else values[i] = applyOp(node.op, node.args.map((a) => values[a]!));
    });
    const full = (w: number): tf.Tensor => {
      const v = values[w]!;
      if (typeof v === 'number') return tf.fill([...this.shape], v, 'float32');
      if (v.size === this.size) return reshaped(v, this.shape);
      return tf.broadcastTo(v.size === 1 ? v.reshape([]) : v, [...this.shape]);
    };
    return {
      outputs: wanted.map(full),
      sums: summed.map((s) => tf.sum(full(s.node), s.axis < 0 ? undefined : s.axis)),
    };
  }
}

/**
 * Which donor's memory each output takes (an input register, or −1): any pairing gives
 * the same bits, but an output written over an input that no later instruction reads
 * is written straight by its instruction, else copied there after each block. So each
 * output, in program order, takes the donor read last at or before it, where there is
 * one (a parameter's new value over the parameter, a moment over the old moment).
 */
function pairDonors(outputAt: readonly number[], donors: readonly number[], lastRead: readonly number[]): number[] {
  const free = [...donors];
  const out = new Array<number>(outputAt.length).fill(-1);
  const order = outputAt.map((_, j) => j).sort((a, b) => outputAt[a]! - outputAt[b]!);
  for (const j of order) {
    let best = -1;
    for (let k = 0; k < free.length; k++) {
      const read = lastRead[free[k]!]!;
      if (read <= outputAt[j]! && (best < 0 || read > lastRead[free[best]!]!)) best = k;
    }
    if (best >= 0) out[j] = free.splice(best, 1)[0]!;
  }
  for (let j = 0; j < out.length && free.length > 0; j++) if (out[j]! < 0) out[j] = free.shift()!;
  return out;
}

/** A program as ELEMENTWISE_PROGRAM_KERNEL takes it (`compile`), and what its outputs are. */
interface Compiled {
  readonly program: ElementwiseProgram;
  readonly inputs: readonly tf.Tensor[];
  readonly attrs: Record<string, unknown>;
  /** The nodes the kernel computes, in the order of its outputs. */
  readonly computed: readonly number[];
  readonly wanted: readonly number[];
  /** Outputs only (no sums, no inputs along an axis, something to compute): it may join ELEMENTWISE_PROGRAMS_KERNEL. */
  readonly plain: boolean;
}

function namedInputs(inputs: readonly tf.Tensor[], into: Record<string, tf.Tensor> = {}, from = 0): Record<string, tf.Tensor> {
  for (let i = 0; i < inputs.length; i++) into[`x${from + i}`] = inputs[i]!;
  return into;
}

/**
 * What a compiled program computes, apart from its tensors and constants (a mean's 1/n,
 * a parameter group's learning rate): programs of one key run as one
 * ELEMENTWISE_PROGRAMS_KERNEL call, each with its own constants.
 */
function programKey(c: Compiled): string {
  return `${c.inputs.length};${(c.attrs['code'] as number[]).join(',')};${(c.attrs['outputs'] as number[]).join(',')}`;
}

/**
 * Runs compiled programs of one key as one ELEMENTWISE_PROGRAMS_KERNEL call; each
 * program's outputs come back in its own order, with the bits of its own call.
 */
function runTogether(group: readonly Compiled[]): tf.Tensor[][] {
  const first = group[0]!;
  const inputs: Record<string, tf.Tensor> = {};
  const outputCount = first.computed.length;
  let donated = false;
  const inPlace: number[] = [];
  group.forEach((c, t) => {
    namedInputs(c.inputs, inputs, t * first.inputs.length);
    const own = c.attrs['inPlace'] as number[] | undefined;
    donated ||= own !== undefined;
    for (let j = 0; j < outputCount; j++) inPlace.push(own?.[j] ?? -1);
  });
  const attrs: Record<string, unknown> = {
    shapes: group.map((c) => c.attrs['shape']),
    code: first.attrs['code'],
    constants: group.flatMap((c) => c.attrs['constants'] as number[]),
    outputs: first.attrs['outputs'],
  };
  if (donated) attrs['inPlace'] = inPlace;
  const out = tf.engine().runKernel(ELEMENTWISE_PROGRAMS_KERNEL, inputs, attrs as never) as tf.Tensor[];
  return group.map((_, t) => out.slice(t * outputCount, (t + 1) * outputCount));
}

function reshaped(t: tf.Tensor, shape: readonly number[]): tf.Tensor {
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : tf.reshape(t, [...shape]);
}

const asTensor = (x: tf.Tensor | number): tf.Tensor => (typeof x === 'number' ? tf.scalar(x, 'float32') : x);
const float = (t: tf.Tensor): tf.Tensor => tf.cast(t, 'float32');

/** One op as tfjs computes it; numbers enter as float32 scalars, as they do in tf.mul(t, 0.9). */
function applyOp(op: Exclude<ElementwiseProgramOp, 'const'>, args: (tf.Tensor | number)[]): tf.Tensor {
  const [a, b, c] = args as [tf.Tensor | number, tf.Tensor | number, tf.Tensor | number];
  switch (op) {
    case 'add': return tf.add(a, b);
    case 'sub': return tf.sub(a, b);
    case 'mul': return tf.mul(a, b);
    case 'div': return tf.div(a, b);
    case 'divNoNan': return tf.divNoNan(asTensor(a), asTensor(b));
    case 'max': return tf.maximum(a, b);
    case 'min': return tf.minimum(a, b);
    case 'neg': return tf.neg(asTensor(a));
    case 'abs': return tf.abs(asTensor(a));
    case 'sign': return tf.sign(asTensor(a));
    case 'sqrt': return tf.sqrt(asTensor(a));
    case 'rsqrt': return tf.rsqrt(asTensor(a));
    case 'square': return tf.square(asTensor(a));
    case 'relu': return tf.relu(asTensor(a));
    case 'mulAdd': return tf.add(tf.mul(a, b), c);
    case 'greater': return float(tf.greater(a, b));
    case 'less': return float(tf.less(a, b));
    case 'equal': return float(tf.equal(a, b));
    case 'select': return tf.where(tf.notEqual(a, 0), asTensor(b), asTensor(c));
  }
}

function kernelAvailable(program: ElementwiseProgram): boolean {
  return fusedOpsEnabled() && program.allFloat32() && tf.getKernel(ELEMENTWISE_PROGRAM_KERNEL, tf.getBackend()) !== undefined;
}

function programsKernelAvailable(): boolean {
  return fusedOpsEnabled() && tf.getKernel(ELEMENTWISE_PROGRAMS_KERNEL, tf.getBackend()) !== undefined;
}

/** Each tensor of a map as the first input of its own program. */
export function symbolic(map: Record<string, tf.Tensor>): ExprMap {
  const out: ExprMap = {};
  for (const [name, t] of Object.entries(map)) out[name] = new ElementwiseProgram(t.shape).value(t);
  return out;
}

/** Applies `fn` to each expression of a map, keeping the names. */
export function mapExprs(map: ExprMap, fn: (e: Expr, name: string) => Expr): ExprMap {
  const out: ExprMap = {};
  for (const [name, e] of Object.entries(map)) out[name] = fn(e, name);
  return out;
}

/**
 * What a caller hands over to `materialize`: `donated` tensors it will not read again
 * (it disposes them, or those of them the result does not hold, afterwards), and
 * `kept`, any container of tensors that outlive the call besides those in `x` itself.
 */
export interface HandOver {
  readonly donated: ReadonlySet<tf.Tensor>;
  readonly kept?: unknown;
}

/**
 * `x` with every expression in it computed: each program runs once, for all of its
 * expressions found in `x` (a parameter's update and its new state together), and
 * every other leaf (tensors, numbers) is kept as it is.
 *
 * With `handOver`, a program may write its outputs into the memory of a donated input
 * (the old parameter or state it replaces) instead of new memory: only a donated tensor
 * that no leaf of `x` or of `handOver.kept` is, that no other program of this call
 * reads (programs run one after another), and that is neither kept (tf.keep) nor a
 * variable; the kernel further takes it only when no other tensor shares its memory
 * (a clone or reshape of it somewhere). The old tensor then reads the new values, which
 * is why the caller must not read it again. The bits are those of the path without it.
 */
export function materialize<T>(x: unknown, handOver?: HandOver): T {
  const byProgram = new Map<ElementwiseProgram, Expr[]>();
  const leaves = handOver === undefined ? undefined : new Set<tf.Tensor>();
  const collect = (v: unknown): void => {
    if (v instanceof Expr) {
      const list = byProgram.get(v.program);
      if (list === undefined) byProgram.set(v.program, [v]);
      else list.push(v);
    } else if (v instanceof tf.Tensor) leaves?.add(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (isPlainObject(v)) for (const w of Object.values(v)) collect(w);
  };
  collect(x);
  let donorsOf: ((program: ElementwiseProgram) => Set<tf.Tensor> | undefined) | undefined;
  if (handOver !== undefined && handOver.donated.size > 0) {
    for (const t of tf.tensor_util.getTensorsInContainer(handOver.kept as tf.TensorContainer)) leaves!.add(t);
    const readers = new Map<tf.Tensor, number>();
    for (const program of byProgram.keys()) for (const t of program.fullInputs()) readers.set(t, (readers.get(t) ?? 0) + 1);
    donorsOf = (program) => {
      let out: Set<tf.Tensor> | undefined;
      for (const t of program.fullInputs()) {
        if (!handOver.donated.has(t) || leaves!.has(t) || readers.get(t) !== 1 || t.kept || t instanceof tf.Variable || t.isDisposed) continue;
        (out ??= new Set()).add(t);
      }
      return out;
    };
  }
  const computed = new Map<Expr, tf.Tensor>();
  // Programs that compute the same thing (a rule's program for each parameter) run as
  // one call where the backend has the kernel for it; the rest one call each.
  const together = new Map<string, { compiled: Compiled; exprs: Expr[] }[]>();
  const multi = byProgram.size > 1 && programsKernelAvailable();
  for (const [program, exprs] of byProgram) {
    if (multi && kernelAvailable(program)) {
      const compiled = program.compile(exprs.map((e) => program.value(e).node), [], donorsOf?.(program));
      if (compiled.plain) {
        const key = programKey(compiled);
        const list = together.get(key);
        if (list === undefined) together.set(key, [{ compiled, exprs }]);
        else list.push({ compiled, exprs });
        continue;
      }
    }
    const tensors = program.run(exprs, donorsOf?.(program));
    exprs.forEach((e, i) => computed.set(e, tensors[i]!));
  }
  for (const group of together.values()) {
    const outs = group.length > 1 ? runTogether(group.map((g) => g.compiled)) : undefined;
    group.forEach(({ compiled, exprs }, t) => {
      const raw = outs?.[t] ?? (tf.engine().runKernel(ELEMENTWISE_PROGRAM_KERNEL, namedInputs(compiled.inputs), compiled.attrs as never) as tf.Tensor[]);
      const tensors = compiled.program.finish(compiled, raw).outputs;
      exprs.forEach((e, i) => computed.set(e, tensors[i]!));
    });
  }
  const rebuild = (v: unknown): unknown => {
    if (v instanceof Expr) return computed.get(v)!;
    if (Array.isArray(v)) return v.map(rebuild);
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) out[k] = rebuild(v[k]);
      return out;
    }
    return v;
  };
  return rebuild(x) as T;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || v instanceof tf.Tensor) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Σ x² of an expression, in one pass of its program (x² is never stored). */
export function sumOfSquares(x: Expr): tf.Scalar {
  return x.program.runWithSums([], [{ of: x.program.square(x) }]).sums[0] as tf.Scalar;
}
