#include "program.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "parallel.h"

namespace algobench {
namespace {

// Elements per block: every register of a block stays in L1/L2 while the program runs
// over it, so main memory is read once per input and written once per output.
constexpr int64_t kBlock = 512;

int arity(int32_t op) {
  switch (op) {
    case kConst: return 0;
    case kNeg: case kAbs: case kSign: case kSqrt: case kRsqrt: case kSquare: case kRelu: return 1;
    case kMulAdd: case kSelect: return 3;
    default: return 2;
  }
}

// Math.max / Math.min as the cpu backend computes them: NaN wins, and +0 > −0.
inline float js_max(float a, float b) {
  if (a != a || b != b) return std::numeric_limits<float>::quiet_NaN();
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
inline float js_min(float a, float b) {
  if (a != a || b != b) return std::numeric_limits<float>::quiet_NaN();
  if (a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

// Each loop below reads element i of its operands and then writes element i of `out`,
// nothing else: `out` may be exactly one of the operands (an output written in place
// over an input it no longer needs), never a shifted view of one. ivdep says so to the
// compiler, which then vectorises without checking for overlap.
#define EACH(i, m) _Pragma("GCC ivdep") for (int64_t i = 0; i < (m); ++i)

// One instruction over m elements (m ≤ kBlock).
void apply(int32_t op, int64_t m, float* out, const float* a, const float* b, const float* c) {
  switch (op) {
    case kAdd: EACH(i, m) out[i] = a[i] + b[i]; break;
    case kSub: EACH(i, m) out[i] = a[i] - b[i]; break;
    case kMul: EACH(i, m) out[i] = a[i] * b[i]; break;
    case kDiv: EACH(i, m) out[i] = a[i] / b[i]; break;
    case kDivNoNan: EACH(i, m) out[i] = b[i] == 0.0f ? 0.0f : a[i] / b[i]; break;
    case kMax: EACH(i, m) out[i] = js_max(a[i], b[i]); break;
    case kMin: EACH(i, m) out[i] = js_min(a[i], b[i]); break;
    case kNeg: EACH(i, m) out[i] = -a[i]; break;
    case kAbs: EACH(i, m) out[i] = std::fabs(a[i]); break;
    case kSign: EACH(i, m) out[i] = a[i] < 0.0f ? -1.0f : (a[i] > 0.0f ? 1.0f : 0.0f); break;
    case kSqrt: EACH(i, m) out[i] = std::sqrt(a[i]); break;
    // The cpu backend's 1 / Math.sqrt(x): float64 throughout, rounded once at the end.
    case kRsqrt: EACH(i, m) out[i] = (float)(1.0 / std::sqrt((double)a[i])); break;
    case kSquare: EACH(i, m) out[i] = a[i] * a[i]; break;
    case kRelu: EACH(i, m) out[i] = js_max(0.0f, a[i]); break;
    case kMulAdd: {
      // Two roundings, as tf.add(tf.mul(a, b), c): the product is stored before the sum,
      // so no compiler may contract the pair into one fused multiply-add. Being two
      // loops, it must not write over its addend c (run_program never lets it).
      EACH(i, m) out[i] = a[i] * b[i];
      EACH(i, m) out[i] = out[i] + c[i];
      break;
    }
    case kGreater: EACH(i, m) out[i] = a[i] > b[i] ? 1.0f : 0.0f; break;
    case kLess: EACH(i, m) out[i] = a[i] < b[i] ? 1.0f : 0.0f; break;
    case kEqual: EACH(i, m) out[i] = a[i] == b[i] ? 1.0f : 0.0f; break;
    case kSelect: EACH(i, m) out[i] = a[i] != 0.0f ? b[i] : c[i]; break;
    default: break;
  }
}

// y + x·c for a mul by a uniform value read only by the add that follows it: the two
// instructions in one loop (the product never stored), rounded as they are apart — the
// product to float32, then the sum: contraction into a fused multiply-add is off here.
// The operands keep their order (which NaN's payload survives depends on it).
template <bool kUniformFirst, bool kProductFirst>
__attribute__((optimize("fp-contract=off"))) void scaled_add(int64_t m, float* out, const float* y, const float* x, float c) {
  EACH(i, m) {
    const float product = kUniformFirst ? c * x[i] : x[i] * c;
    out[i] = kProductFirst ? product + y[i] : y[i] + product;
  }
}

void scaled_add(bool uniform_first, bool product_first, int64_t m, float* out, const float* y, const float* x, float c) {
  if (uniform_first) {
    if (product_first) scaled_add<true, true>(m, out, y, x, c);
    else scaled_add<true, false>(m, out, y, x, c);
  } else {
    if (product_first) scaled_add<false, true>(m, out, y, x, c);
    else scaled_add<false, false>(m, out, y, x, c);
  }
}

}  // namespace

const char* validate_program(size_t inputs, const std::vector<Instruction>& code, size_t constants,
                             const std::vector<int32_t>& output_registers) {
  for (size_t i = 0; i < code.size(); ++i) {
    const Instruction& ins = code[i];
    const int64_t defined = (int64_t)(inputs + i);
    if (ins.op < 0 || ins.op >= kOpCount) return "elementwiseProgram: unknown opcode";
    if (ins.op == kConst) {
      if (ins.a < 0 || (size_t)ins.a >= constants) return "elementwiseProgram: a constant index is out of range";
      continue;
    }
    const int32_t operands[3] = {ins.a, ins.b, ins.c};
    for (int k = 0; k < arity(ins.op); ++k) {
      if (operands[k] < 0 || operands[k] >= defined) return "elementwiseProgram: an operand is not an earlier register";
    }
  }
  for (int32_t r : output_registers) {
    if (r < 0 || (size_t)r >= inputs + code.size()) return "elementwiseProgram: an output is not a register";
  }
  return "";
}

namespace {

// Elements per chunk of the sums' fixed grid (a multiple of kBlock): each chunk's
// partial sums are computed in element order by one thread, and the chunks are added
// in order, so the sums do not depend on how many threads there are.
constexpr int64_t kChunk = 1 << 16;

// An input that lacks one axis, repeated along it: entries (o, k) for elements [start, start + m).
void gather_along(const ProgramInput& in, int64_t start, int64_t m, float* out) {
  const int64_t inner = in.along.inner, span = in.along.mid * inner;
  int64_t o = start / span, r = start % span;
  for (int64_t j = 0; j < m;) {
    int64_t len;
    if (inner == 1) {
      len = std::min(m - j, span - r);
      std::fill(out + j, out + j + len, in.data[o]);
    } else {
      const int64_t k = r % inner;
      len = std::min(m - j, inner - k);
      std::memcpy(out + j, in.data + o * inner + k, len * sizeof(float));
    }
    j += len;
    r += len;
    if (r == span) r = 0, ++o;
  }
}

// Σ x[0..len) in float64 over 8 lanes (so that the loop vectorises), folded in a fixed order.
double lane_sum(const float* x, int64_t len) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t t = 0;
  for (; t + 8 <= len; t += 8)
    for (int l = 0; l < 8; ++l) acc[l] += (double)x[t + l];
  for (; t < len; ++t) acc[t & 7] += (double)x[t];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// Adds elements [start, start + m) of a register to the partial sums of their entries
// (`partial` holds entries from `lo` on).
void accumulate(const AxisView& v, int64_t start, int64_t m, const float* x, double* partial, int64_t lo) {
  const int64_t inner = v.inner, span = v.mid * inner;
  int64_t o = start / span, r = start % span;
  for (int64_t j = 0; j < m;) {
    int64_t len;
    if (inner == 1) {
      len = std::min(m - j, span - r);
      partial[o - lo] += lane_sum(x + j, len);
    } else {
      const int64_t k = r % inner;
      len = std::min(m - j, inner - k);
      double* p = partial + (o * inner + k - lo);
      const float* y = x + j;
      for (int64_t t = 0; t < len; ++t) p[t] += (double)y[t];
    }
    j += len;
    r += len;
    if (r == span) r = 0, ++o;
  }
}

// The entries [lo, hi) that elements [c0, c1) of a chunk add to.
void chunk_entries(const AxisView& v, int64_t c0, int64_t c1, int64_t* lo, int64_t* hi) {
  const int64_t inner = v.inner, span = v.mid * inner;
  const int64_t o0 = c0 / span, o1 = (c1 - 1) / span;
  if (inner == 1) {
    *lo = o0, *hi = o1 + 1;
    return;
  }
  if (o0 == o1 && c1 - c0 < inner) {
    const int64_t k0 = (c0 % span) % inner, k1 = ((c1 - 1) % span) % inner;
    if (k1 >= k0) {
      *lo = o0 * inner + k0, *hi = o0 * inner + k1 + 1;
      return;
    }
  }
  *lo = o0 * inner, *hi = (o1 + 1) * inner;
}

}  // namespace

namespace {

// What a program does at each instruction for one tensor's inputs and outputs: which
// registers hold one value for every element, which instructions write an output
// straight, and which mul + add pairs run as one loop.
struct Plan {
  std::vector<bool> uniform;           // per register
  std::vector<int32_t> direct;         // per instruction: the output it writes straight, or −1
  std::vector<bool> fused;             // per instruction
  std::vector<bool> written_directly;  // per output
};

Plan plan_program(const std::vector<ProgramInput>& inputs, const std::vector<Instruction>& code,
                  const std::vector<int32_t>& output_registers, const std::vector<float*>& outputs,
                  const std::vector<ProgramSum>& sums) {
  const size_t n_in = inputs.size();
  const size_t n_reg = n_in + code.size();
  Plan plan;
  // Registers that hold one value for every element (scalar inputs, constants, and ops
  // on those only) are filled once per task, not once per block.
  std::vector<bool>& uniform = plan.uniform;
  uniform.assign(n_reg, false);
  for (size_t r = 0; r < n_in; ++r) uniform[r] = inputs[r].scalar;
  for (size_t i = 0; i < code.size(); ++i) {
    const Instruction& ins = code[i];
    bool u = true;
    const int32_t operands[3] = {ins.a, ins.b, ins.c};
    if (ins.op != kConst)
      for (int k = 0; k < arity(ins.op); ++k) u = u && uniform[operands[k]];
    uniform[n_in + i] = u;
  }
  // Outputs written straight by the instruction that computes them (no register, no
  // copy): `direct[i]` is the output instruction i writes, or −1. An output that is
  // the memory of an input (written in place) qualifies only when no later instruction,
  // sum or output reads that input, since within a block every instruction runs over
  // all of the block before the next; else it is copied from its register at the end
  // of each block, after everything has read the block's inputs.
  std::vector<int32_t>& direct = plan.direct;
  direct.assign(code.size(), -1);
  {
    std::vector<int64_t> last_use(n_in, -1);
    std::vector<bool> read_as_addend(n_in, false);
    for (size_t i = 0; i < code.size(); ++i) {
      const Instruction& ins = code[i];
      if (ins.op == kConst) continue;
      const int32_t operands[3] = {ins.a, ins.b, ins.c};
      for (int k = 0; k < arity(ins.op); ++k) {
        if ((size_t)operands[k] >= n_in) continue;
        last_use[operands[k]] = (int64_t)i;
        read_as_addend[operands[k]] = ins.op == kMulAdd && k == 2;
      }
    }
    const int64_t end = (int64_t)code.size();
    for (const ProgramSum& s : sums)
      if ((size_t)s.reg < n_in) last_use[s.reg] = end;
    for (int32_t r : output_registers)
      if ((size_t)r < n_in) last_use[r] = end;
    for (size_t j = 0; j < outputs.size(); ++j) {
      const int32_t r = output_registers[j];
      if ((size_t)r < n_in || uniform[r] || direct[r - n_in] >= 0) continue;
      const int64_t i = r - (int64_t)n_in;
      bool safe = true;
      for (size_t x = 0; x < n_in; ++x) {
        if (inputs[x].data != outputs[j]) continue;
        safe = safe && (last_use[x] < i || (last_use[x] == i && !read_as_addend[x]));
      }
      if (safe) direct[i] = (int32_t)j;
    }
  }
  // fused[i]: instruction i − 1 is mul(x, u) with u uniform, read only by instruction
  // i = add of it and another register; i runs both (scaled_add) and i − 1 is skipped.
  // The kit's every update ends so (p + u·(−lr)), and most of its moments are such sums.
  std::vector<bool>& fused = plan.fused;
  fused.assign(code.size(), false);
  {
    std::vector<int> uses(n_reg, 0);
    for (const Instruction& ins : code) {
      const int32_t operands[3] = {ins.a, ins.b, ins.c};
      if (ins.op != kConst)
        for (int k = 0; k < arity(ins.op); ++k) ++uses[operands[k]];
    }
    for (int32_t r : output_registers) ++uses[r];
    for (const ProgramSum& s : sums) ++uses[s.reg];
    for (size_t i = 1; i < code.size(); ++i) {
      const Instruction& mul = code[i - 1];
      const Instruction& add = code[i];
      const int32_t r = (int32_t)(n_in + i - 1);
      fused[i] = mul.op == kMul && !uniform[r] && (uniform[mul.a] || uniform[mul.b]) && add.op == kAdd &&
                 (add.a == r) != (add.b == r) && uses[r] == 1 && !fused[i - 1];
    }
  }
  plan.written_directly.assign(outputs.size(), false);
  for (int32_t j : direct)
    if (j >= 0) plan.written_directly[j] = true;
  return plan;
}

// Runs the program over elements [begin, end) block by block, calling
// on_block(start, m, registers) after each block's instructions (for the sums) and
// before its outputs are copied out.
template <typename OnBlock>
void run_range(const Plan& plan, const std::vector<ProgramInput>& inputs, const std::vector<Instruction>& code,
               const std::vector<float>& constants, const std::vector<int32_t>& output_registers,
               const std::vector<float*>& outputs, int64_t begin, int64_t end, OnBlock&& on_block) {
  const size_t n_in = inputs.size();
  const size_t n_reg = n_in + code.size();
  const std::vector<bool>& uniform = plan.uniform;
  const std::vector<int32_t>& direct = plan.direct;
  const std::vector<bool>& fused = plan.fused;
  std::vector<float> scratch(n_reg * kBlock);
  std::vector<const float*> reg(n_reg);
  auto slot = [&](size_t r) { return scratch.data() + r * kBlock; };
  auto eval = [&](size_t i, int64_t start, int64_t m) {
    const Instruction& ins = code[i];
    float* out = direct[i] >= 0 ? outputs[direct[i]] + start : slot(n_in + i);
    if (ins.op == kConst) {
      std::fill(out, out + m, constants[ins.a]);
    } else if (fused[i]) {
      const Instruction& mul = code[i - 1];
      const bool uniform_first = uniform[mul.a];
      const bool product_first = ins.a == (int32_t)(n_in + i - 1);
      scaled_add(uniform_first, product_first, m, out, reg[product_first ? ins.b : ins.a], reg[uniform_first ? mul.b : mul.a],
                 reg[uniform_first ? mul.a : mul.b][0]);
    } else {
      apply(ins.op, m, out, reg[ins.a], arity(ins.op) > 1 ? reg[ins.b] : nullptr, arity(ins.op) > 2 ? reg[ins.c] : nullptr);
    }
    reg[n_in + i] = out;
  };
  for (size_t r = 0; r < n_in; ++r) {
    if (inputs[r].scalar) {
      std::fill(slot(r), slot(r) + kBlock, inputs[r].data[0]);
      reg[r] = slot(r);
    }
  }
  for (size_t i = 0; i < code.size(); ++i)
    if (uniform[n_in + i]) eval(i, 0, kBlock);
  for (int64_t start = begin; start < end; start += kBlock) {
    const int64_t m = std::min(kBlock, end - start);
    // The next block's plain inputs and outputs, one cache line per 16 floats, requested
    // now: each instruction runs over a whole block, so an input is read (and an output
    // written) in one burst with no arithmetic to hide the misses behind, and the
    // hardware's prefetcher fell behind. Shampoo's diagonal AdaGrad program (3 inputs, 2
    // outputs, 786432 elements; standalone, min of 200, interleaved, load ~6): 2.7-3.6x
    // Adam's kernel on the same size without, 2.0-2.4x with (two blocks ahead, or inputs
    // only: no better). Hints only: the same bits.
    const int64_t ahead = std::min(kBlock, end - start - m);
    for (size_t r = 0; r < n_in; ++r)
      if (inputs[r].along.mid == 0 && !inputs[r].scalar)
        for (int64_t i = 0; i < ahead; i += 16) __builtin_prefetch(inputs[r].data + start + m + i);
    for (size_t j = 0; j < outputs.size(); ++j)
      for (int64_t i = 0; i < ahead; i += 16) __builtin_prefetch(outputs[j] + start + m + i, 1);
    for (size_t r = 0; r < n_in; ++r) {
      if (inputs[r].along.mid > 0) {
        gather_along(inputs[r], start, m, slot(r));
        reg[r] = slot(r);
      } else if (!inputs[r].scalar) {
        reg[r] = inputs[r].data + start;
      }
    }
    for (size_t i = 0; i < code.size(); ++i)
      if (!uniform[n_in + i] && !(i + 1 < code.size() && fused[i + 1])) eval(i, start, m);
    on_block(start, m, reg.data());
    for (size_t j = 0; j < outputs.size(); ++j)
      if (!plan.written_directly[j]) std::memcpy(outputs[j] + start, reg[output_registers[j]], m * sizeof(float));
  }
}

}  // namespace

void run_program(int64_t n, const std::vector<ProgramInput>& inputs, const std::vector<Instruction>& code,
                 const std::vector<float>& constants, const std::vector<int32_t>& output_registers,
                 const std::vector<float*>& outputs, const std::vector<ProgramSum>& sums) {
  if (n == 0) return;
  // The chunk grid, and where each chunk's partial sums live. A shape whose partials
  // would outgrow the tensor (a sum over a short axis of huge rows) runs as one chunk.
  int64_t chunk = kChunk;
  std::vector<std::vector<int64_t>> lo(sums.size()), offset(sums.size());
  auto lay_out = [&]() {
    const int64_t chunks = (n + chunk - 1) / chunk;
    int64_t total = 0;
    for (size_t s = 0; s < sums.size(); ++s) {
      lo[s].assign(chunks, 0);
      offset[s].assign(chunks + 1, 0);
      for (int64_t c = 0; c < chunks; ++c) {
        int64_t l, h;
        chunk_entries(sums[s].over, c * chunk, std::min(n, (c + 1) * chunk), &l, &h);
        lo[s][c] = l;
        offset[s][c + 1] = offset[s][c] + (h - l);
      }
      total += offset[s][chunks];
    }
    return total;
  };
  if (lay_out() > 4 * n + (1 << 20)) {
    chunk = n;
    lay_out();
  }
  const int64_t chunks = (n + chunk - 1) / chunk;
  const Plan plan = plan_program(inputs, code, output_registers, outputs, sums);
  std::vector<std::vector<double>> partial(sums.size());
  for (size_t s = 0; s < sums.size(); ++s) partial[s].assign(offset[s][chunks], 0.0);
  // Each element depends on its own inputs only, so the split changes no bit.
  const int parts = (int)std::min<int64_t>(chunks, n >= (1 << 15) ? thread_count() : 1);
  parallel_for(parts, [&](int t) {
    const int64_t first = chunks * t / parts, last = chunks * (t + 1) / parts;
    // Blocks never straddle chunks: a chunk is a multiple of kBlock, or all of n.
    run_range(plan, inputs, code, constants, output_registers, outputs, first * chunk, std::min(n, last * chunk),
              [&](int64_t start, int64_t m, const float* const* reg) {
                const int64_t c = start / chunk;
                for (size_t s = 0; s < sums.size(); ++s)
                  accumulate(sums[s].over, start, m, reg[sums[s].reg], partial[s].data() + offset[s][c], lo[s][c]);
              });
  });
  for (size_t s = 0; s < sums.size(); ++s) {
    const int64_t entries = n / sums[s].over.mid;
    std::vector<double> total(entries, 0.0);
    for (int64_t c = 0; c < chunks; ++c) {
      const double* p = partial[s].data() + offset[s][c];
      const int64_t l = lo[s][c], count = offset[s][c + 1] - offset[s][c];
      for (int64_t e = 0; e < count; ++e) total[l + e] += p[e];
    }
    for (int64_t e = 0; e < entries; ++e) sums[s].out[e] = (float)total[e];
  }
}

void run_programs(const std::vector<ProgramTensor>& tensors, const std::vector<Instruction>& code,
                  const std::vector<int32_t>& output_registers) {
  // Each tensor as run_program splits it (its chunks over min(chunks, threads) tasks from
  // 2^15 elements, else one task), all tensors' tasks in one job of the pool: one wake-up
  // of the workers and one call for a whole update, where a call per tensor paid both
  // per tensor. A tensor's elements are computed as run_program computes them.
  struct Task {
    size_t tensor;
    int64_t begin, end;
  };
  std::vector<Task> tasks;
  std::vector<Plan> plans;
  plans.reserve(tensors.size());
  int64_t total = 0;
  for (size_t t = 0; t < tensors.size(); ++t) {
    const ProgramTensor& x = tensors[t];
    plans.push_back(plan_program(x.inputs, code, output_registers, x.outputs, {}));
    if (x.n == 0) continue;
    total += x.n;
    const int64_t chunks = (x.n + kChunk - 1) / kChunk;
    const int parts = (int)std::min<int64_t>(chunks, x.n >= (1 << 15) ? thread_count() : 1);
    for (int p = 0; p < parts; ++p)
      tasks.push_back({t, std::min(x.n, chunks * p / parts * kChunk), std::min(x.n, chunks * (p + 1) / parts * kChunk)});
  }
  auto run_task = [&](int i) {
    const Task& task = tasks[i];
    const ProgramTensor& x = tensors[task.tensor];
    run_range(plans[task.tensor], x.inputs, code, x.constants, output_registers, x.outputs, task.begin, task.end,
              [](int64_t, int64_t, const float* const*) {});
  };
  if (total >= (1 << 15)) {
    parallel_for((int)tasks.size(), run_task);
  } else {
    for (size_t i = 0; i < tasks.size(); ++i) run_task((int)i);
  }
}

namespace {

bool float32_view(napi_env env, napi_value v, float** data, size_t* length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  void* p = nullptr;
  if (napi_get_typedarray_info(env, v, &type, length, &p, &buffer, &offset) != napi_ok || type != napi_float32_array) return false;
  *data = static_cast<float*>(p);
  return true;
}

template <typename T>
bool typed_view(napi_env env, napi_value v, napi_typedarray_type want, T** data, size_t* length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  void* p = nullptr;
  if (napi_get_typedarray_info(env, v, &type, length, &p, &buffer, &offset) != napi_ok || type != want) return false;
  *data = static_cast<T*>(p);
  return true;
}

napi_value fail(napi_env env, const std::string& message) {
  napi_throw_error(env, "E_NATIVE_KERNEL", message.c_str());
  return nullptr;
}

// Float32Array views of a JS array's elements, each checked to hold `n` (or, where
// `allow_scalar`, 1) elements.
// n < 0 takes any length (checked by the caller); `lengths`, where given, receives each.
bool float32_list(napi_env env, napi_value list, int64_t n, bool allow_scalar, std::vector<float*>* views, std::vector<bool>* scalar,
                  std::vector<size_t>* lengths) {
  uint32_t count = 0;
  if (napi_get_array_length(env, list, &count) != napi_ok) return false;
  for (uint32_t i = 0; i < count; ++i) {
    napi_value item;
    float* data;
    size_t length;
    if (napi_get_element(env, list, i, &item) != napi_ok || !float32_view(env, item, &data, &length)) return false;
    const bool one = allow_scalar && length == 1 && n != 1;
    if (n >= 0 && (int64_t)length != n && !one) return false;
    views->push_back(data);
    scalar->push_back(one);
    if (lengths != nullptr) lengths->push_back(length);
  }
  return true;
}

// (mid, inner) pairs from a Float64Array, one per item, each checked against n and the
// array it describes (`lengths`): mid·inner divides n, and the array holds n / mid
// floats (mid 0, allowed where `optional`, leaves the item as it is).
bool axis_views(napi_env env, napi_value v, int64_t n, const std::vector<size_t>& lengths, bool optional, std::vector<AxisView>* views) {
  double* data;
  size_t length;
  if (!typed_view(env, v, napi_float64_array, &data, &length) || length != 2 * lengths.size()) return false;
  for (size_t i = 0; i < lengths.size(); ++i) {
    const int64_t mid = (int64_t)data[2 * i], inner = (int64_t)data[2 * i + 1];
    if (mid == 0 && optional) {
      views->push_back({});
      continue;
    }
    if (mid < 1 || inner < 1 || n % (mid * inner) != 0 || (int64_t)lengths[i] != n / mid) return false;
    views->push_back({mid, inner});
  }
  return true;
}

// A program's code (4 int32 per op), constants (float64, narrowed to float32 as the
// kernel computes) and output registers, as both bindings take them in arguments 2–4.
struct ProgramArrays {
  std::vector<Instruction> code;
  std::vector<float> constants;
  std::vector<int32_t> output_registers;
};

bool program_arrays(napi_env env, napi_value code, napi_value constants, napi_value outputs, ProgramArrays* out) {
  int32_t* code_data;
  double* constant_data;
  int32_t* output_data;
  size_t code_len, constant_len, output_len;
  if (!typed_view(env, code, napi_int32_array, &code_data, &code_len) || code_len % 4 != 0 ||
      !typed_view(env, constants, napi_float64_array, &constant_data, &constant_len) ||
      !typed_view(env, outputs, napi_int32_array, &output_data, &output_len)) {
    return false;
  }
  out->code.resize(code_len / 4);
  for (size_t i = 0; i < out->code.size(); ++i) out->code[i] = {code_data[4 * i], code_data[4 * i + 1], code_data[4 * i + 2], code_data[4 * i + 3]};
  out->constants.assign(constant_data, constant_data + constant_len);
  out->output_registers.assign(output_data, output_data + output_len);
  return true;
}

}  // namespace

napi_value ElementwiseProgramBinding(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int64_t n = 0;
  if (argc < 6 || napi_get_value_int64(env, argv[5], &n) != napi_ok || n < 0) return fail(env, "elementwiseProgram: argument 5 must be the element count");
  const bool extended = argc >= 10;
  std::vector<float*> in_views, out_views, sum_views;
  std::vector<bool> in_scalar, out_scalar, sum_scalar;
  std::vector<size_t> in_lengths, sum_lengths;
  // Inputs along an axis are checked against their views below, not against n.
  if (!float32_list(env, argv[0], extended ? -1 : n, true, &in_views, &in_scalar, &in_lengths)) return fail(env, "elementwiseProgram: inputs must be Float32Arrays of n or 1 elements");
  if (!float32_list(env, argv[1], n, false, &out_views, &out_scalar, nullptr)) return fail(env, "elementwiseProgram: outputs must be Float32Arrays of n elements");
  ProgramArrays program;
  if (!program_arrays(env, argv[2], argv[3], argv[4], &program) || program.output_registers.size() != out_views.size()) {
    return fail(env, "elementwiseProgram: code (Int32Array of 4 per op), constants (Float64Array) and one output register per output");
  }
  std::vector<AxisView> in_along, sum_over;
  std::vector<int32_t> sum_registers;
  if (extended) {
    if (!axis_views(env, argv[6], n, in_lengths, true, &in_along)) return fail(env, "elementwiseProgram: input views must be (mid, inner) pairs, one per input, mid·inner dividing n and the input holding n/mid floats");
    for (size_t i = 0; i < in_views.size(); ++i) {
      if (in_along[i].mid == 0 && (int64_t)in_lengths[i] != n && !(in_lengths[i] == 1 && n != 1)) return fail(env, "elementwiseProgram: inputs must be Float32Arrays of n or 1 elements");
      if (in_along[i].mid == 0) in_scalar[i] = in_lengths[i] == 1 && n != 1;
      else in_scalar[i] = false;
    }
    int32_t* reg_data;
    size_t reg_len;
    if (!float32_list(env, argv[7], -1, true, &sum_views, &sum_scalar, &sum_lengths) ||
        !typed_view(env, argv[8], napi_int32_array, &reg_data, &reg_len) || reg_len != sum_views.size() ||
        !axis_views(env, argv[9], n, sum_lengths, false, &sum_over)) {
      return fail(env, "elementwiseProgram: sums must be Float32Arrays of n/mid floats, with one register and one (mid, inner) view each, mid·inner dividing n");
    }
    sum_registers.assign(reg_data, reg_data + reg_len);
  } else {
    in_along.assign(in_views.size(), AxisView{});
  }
  std::vector<int32_t> checked(program.output_registers);
  checked.insert(checked.end(), sum_registers.begin(), sum_registers.end());
  const char* problem = validate_program(in_views.size(), program.code, program.constants.size(), checked);
  if (problem[0] != '\0') return fail(env, problem);
  if (n == 0) return nullptr;  // the caller gives an empty tensor's sums (zeros) without the addon
  std::vector<ProgramInput> inputs;
  for (size_t i = 0; i < in_views.size(); ++i) inputs.push_back({in_views[i], (bool)in_scalar[i], in_along[i]});
  std::vector<ProgramSum> sums;
  for (size_t s = 0; s < sum_views.size(); ++s) sums.push_back({sum_registers[s], sum_over[s], sum_views[s]});
  run_program(n, inputs, program.code, program.constants, program.output_registers, out_views, sums);
  return nullptr;
}

napi_value ElementwiseProgramsBinding(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  double* size_data;
  size_t tensor_count = 0;
  if (argc < 6 || !typed_view(env, argv[5], napi_float64_array, &size_data, &tensor_count) || tensor_count == 0) {
    return fail(env, "elementwisePrograms: argument 5 must be a Float64Array of the tensors' element counts (at least one)");
  }
  std::vector<float*> in_views, out_views;
  std::vector<bool> in_scalar, out_scalar;
  std::vector<size_t> in_lengths, out_lengths;
  if (!float32_list(env, argv[0], -1, false, &in_views, &in_scalar, &in_lengths) ||
      !float32_list(env, argv[1], -1, false, &out_views, &out_scalar, &out_lengths)) {
    return fail(env, "elementwisePrograms: inputs and outputs must be arrays of Float32Arrays");
  }
  ProgramArrays program;
  if (!program_arrays(env, argv[2], argv[3], argv[4], &program) || in_views.size() % tensor_count != 0 ||
      out_views.size() != program.output_registers.size() * tensor_count || program.constants.size() % tensor_count != 0) {
    return fail(env, "elementwisePrograms: code (Int32Array of 4 per op), constants (Float64Array), one output register per output, and N inputs, K outputs and C constants per tensor");
  }
  const size_t per_tensor = in_views.size() / tensor_count;
  const size_t constants_per_tensor = program.constants.size() / tensor_count;
  const size_t output_len = program.output_registers.size();
  const char* problem = validate_program(per_tensor, program.code, constants_per_tensor, program.output_registers);
  if (problem[0] != '\0') return fail(env, std::string("elementwisePrograms") + (problem + std::strlen("elementwiseProgram")));
  std::vector<ProgramTensor> tensors(tensor_count);
  for (size_t t = 0; t < tensor_count; ++t) {
    const double size = size_data[t];
    if (!(size >= 0) || size != (double)(int64_t)size) return fail(env, "elementwisePrograms: each size must be a whole number of elements");
    const int64_t n = (int64_t)size;
    ProgramTensor& x = tensors[t];
    x.n = n;
    x.constants.assign(program.constants.begin() + t * constants_per_tensor, program.constants.begin() + (t + 1) * constants_per_tensor);
    for (size_t i = 0; i < per_tensor; ++i) {
      const size_t k = t * per_tensor + i;
      const bool one = in_lengths[k] == 1 && n != 1;
      if ((int64_t)in_lengths[k] != n && !one) return fail(env, "elementwisePrograms: each input must hold its tensor's element count, or 1");
      x.inputs.push_back({in_views[k], one, AxisView{}});
    }
    for (size_t j = 0; j < output_len; ++j) {
      const size_t k = t * output_len + j;
      if ((int64_t)out_lengths[k] != n) return fail(env, "elementwisePrograms: each output must hold its tensor's element count");
      x.outputs.push_back(out_views[k]);
    }
  }
  run_programs(tensors, program.code, program.output_registers);
  return nullptr;
}

}  // namespace algobench
