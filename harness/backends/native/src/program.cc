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

// One instruction over m elements (m ≤ kBlock).
void apply(int32_t op, int64_t m, float* __restrict out, const float* a, const float* b, const float* c) {
  switch (op) {
    case kAdd: for (int64_t i = 0; i < m; ++i) out[i] = a[i] + b[i]; break;
    case kSub: for (int64_t i = 0; i < m; ++i) out[i] = a[i] - b[i]; break;
    case kMul: for (int64_t i = 0; i < m; ++i) out[i] = a[i] * b[i]; break;
    case kDiv: for (int64_t i = 0; i < m; ++i) out[i] = a[i] / b[i]; break;
    case kDivNoNan: for (int64_t i = 0; i < m; ++i) out[i] = b[i] == 0.0f ? 0.0f : a[i] / b[i]; break;
    case kMax: for (int64_t i = 0; i < m; ++i) out[i] = js_max(a[i], b[i]); break;
    case kMin: for (int64_t i = 0; i < m; ++i) out[i] = js_min(a[i], b[i]); break;
    case kNeg: for (int64_t i = 0; i < m; ++i) out[i] = -a[i]; break;
    case kAbs: for (int64_t i = 0; i < m; ++i) out[i] = std::fabs(a[i]); break;
    case kSign: for (int64_t i = 0; i < m; ++i) out[i] = a[i] < 0.0f ? -1.0f : (a[i] > 0.0f ? 1.0f : 0.0f); break;
    case kSqrt: for (int64_t i = 0; i < m; ++i) out[i] = std::sqrt(a[i]); break;
    // The cpu backend's 1 / Math.sqrt(x): float64 throughout, rounded once at the end.
    case kRsqrt: for (int64_t i = 0; i < m; ++i) out[i] = (float)(1.0 / std::sqrt((double)a[i])); break;
    case kSquare: for (int64_t i = 0; i < m; ++i) out[i] = a[i] * a[i]; break;
    case kRelu: for (int64_t i = 0; i < m; ++i) out[i] = js_max(0.0f, a[i]); break;
    case kMulAdd: {
      // Two roundings, as tf.add(tf.mul(a, b), c): the product is stored before the sum,
      // so no compiler may contract the pair into one fused multiply-add.
      for (int64_t i = 0; i < m; ++i) out[i] = a[i] * b[i];
      for (int64_t i = 0; i < m; ++i) out[i] = out[i] + c[i];
      break;
    }
    case kGreater: for (int64_t i = 0; i < m; ++i) out[i] = a[i] > b[i] ? 1.0f : 0.0f; break;
    case kLess: for (int64_t i = 0; i < m; ++i) out[i] = a[i] < b[i] ? 1.0f : 0.0f; break;
    case kEqual: for (int64_t i = 0; i < m; ++i) out[i] = a[i] == b[i] ? 1.0f : 0.0f; break;
    case kSelect: for (int64_t i = 0; i < m; ++i) out[i] = a[i] != 0.0f ? b[i] : c[i]; break;
    default: break;
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

void run_program(int64_t n, const std::vector<ProgramInput>& inputs, const std::vector<Instruction>& code,
                 const std::vector<float>& constants, const std::vector<int32_t>& output_registers,
                 const std::vector<float*>& outputs) {
  const size_t n_in = inputs.size();
  const size_t n_reg = n_in + code.size();
  // Registers that hold one value for every element (scalar inputs, constants, and ops
  // on those only) are filled once per thread, not once per block.
  std::vector<bool> uniform(n_reg, false);
  for (size_t r = 0; r < n_in; ++r) uniform[r] = inputs[r].scalar;
  for (size_t i = 0; i < code.size(); ++i) {
    const Instruction& ins = code[i];
    bool u = true;
    const int32_t operands[3] = {ins.a, ins.b, ins.c};
    if (ins.op != kConst)
      for (int k = 0; k < arity(ins.op); ++k) u = u && uniform[operands[k]];
    uniform[n_in + i] = u;
  }
  // Each element depends on its own inputs only, so the split changes no bit.
  const int parts = n >= (1 << 15) ? thread_count() : 1;
  parallel_for(parts, [&](int t) {
    const int64_t i0 = n * t / parts, i1 = n * (t + 1) / parts;
    std::vector<float> scratch(n_reg * kBlock);
    std::vector<const float*> reg(n_reg);
    auto slot = [&](size_t r) { return scratch.data() + r * kBlock; };
    auto eval = [&](size_t i, int64_t m) {
      const Instruction& ins = code[i];
      float* out = slot(n_in + i);
      if (ins.op == kConst) {
        std::fill(out, out + m, constants[ins.a]);
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
      if (uniform[n_in + i]) eval(i, kBlock);
    for (int64_t start = i0; start < i1; start += kBlock) {
      const int64_t m = std::min(kBlock, i1 - start);
      for (size_t r = 0; r < n_in; ++r)
        if (!inputs[r].scalar) reg[r] = inputs[r].data + start;
      for (size_t i = 0; i < code.size(); ++i)
        if (!uniform[n_in + i]) eval(i, m);
      for (size_t j = 0; j < outputs.size(); ++j) std::memcpy(outputs[j] + start, reg[output_registers[j]], m * sizeof(float));
    }
  });
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
bool float32_list(napi_env env, napi_value list, int64_t n, bool allow_scalar, std::vector<float*>* views, std::vector<bool>* scalar) {
  uint32_t count = 0;
  if (napi_get_array_length(env, list, &count) != napi_ok) return false;
  for (uint32_t i = 0; i < count; ++i) {
    napi_value item;
    float* data;
    size_t length;
    if (napi_get_element(env, list, i, &item) != napi_ok || !float32_view(env, item, &data, &length)) return false;
    const bool one = allow_scalar && length == 1 && n != 1;
    if ((int64_t)length != n && !one) return false;
    views->push_back(data);
    scalar->push_back(one);
  }
  return true;
}

}  // namespace

napi_value ElementwiseProgramBinding(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int64_t n = 0;
  if (argc < 6 || napi_get_value_int64(env, argv[5], &n) != napi_ok || n < 0) return fail(env, "elementwiseProgram: argument 5 must be the element count");
  std::vector<float*> in_views, out_views;
  std::vector<bool> in_scalar, out_scalar;
  if (!float32_list(env, argv[0], n, true, &in_views, &in_scalar)) return fail(env, "elementwiseProgram: inputs must be Float32Arrays of n or 1 elements");
  if (!float32_list(env, argv[1], n, false, &out_views, &out_scalar)) return fail(env, "elementwiseProgram: outputs must be Float32Arrays of n elements");
  int32_t* code_data;
  double* constant_data;
  int32_t* output_data;
  size_t code_len, constant_len, output_len;
  if (!typed_view(env, argv[2], napi_int32_array, &code_data, &code_len) || code_len % 4 != 0 ||
      !typed_view(env, argv[3], napi_float64_array, &constant_data, &constant_len) ||
      !typed_view(env, argv[4], napi_int32_array, &output_data, &output_len) || output_len != out_views.size()) {
    return fail(env, "elementwiseProgram: code (Int32Array of 4 per op), constants (Float64Array) and one output register per output");
  }
  std::vector<Instruction> code(code_len / 4);
  for (size_t i = 0; i < code.size(); ++i) code[i] = {code_data[4 * i], code_data[4 * i + 1], code_data[4 * i + 2], code_data[4 * i + 3]};
  std::vector<float> constants(constant_data, constant_data + constant_len);
  std::vector<int32_t> output_registers(output_data, output_data + output_len);
  const char* problem = validate_program(in_views.size(), code, constants.size(), output_registers);
  if (problem[0] != '\0') return fail(env, problem);
  std::vector<ProgramInput> inputs;
  for (size_t i = 0; i < in_views.size(); ++i) inputs.push_back({in_views[i], in_scalar[i]});
  run_program(n, inputs, code, constants, output_registers, out_views);
  return nullptr;
}

}  // namespace algobench
