// The elementwise program kernel (ELEMENTWISE_PROGRAM_KERNEL in harness/spec.ts): any
// optimizer's per-parameter arithmetic, stated as a short list of float32 ops over N
// inputs, run in one threaded pass so that no rule pays for op-by-op passes.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <vector>

namespace algobench {

// Opcodes: the index of each op in ELEMENTWISE_PROGRAM_OPS (harness/spec.ts).
enum ProgramOp : int32_t {
  kConst, kAdd, kSub, kMul, kDiv, kDivNoNan, kMax, kMin, kNeg, kAbs, kSign, kSqrt, kRsqrt,
  kSquare, kRelu, kMulAdd, kGreater, kLess, kEqual, kSelect, kOpCount
};

// How a value of the program's shape maps to an array that lacks one axis of it:
// element i reads (or, for a sum, adds to) entry (i / (mid·inner))·inner + i % inner,
// mid being that axis's extent and inner the product of the axes after it. The whole
// tensor as one value is mid = n, inner = 1.
struct AxisView {
  int64_t mid = 0;    // 0: no axis (a full-size or size-1 input)
  int64_t inner = 1;
};

struct ProgramInput {
  const float* data;
  bool scalar;  // size 1: broadcast to every element
  AxisView along;  // mid > 0: lacks that axis, repeated along it
};

// A sum of register `reg` over one axis (or all of them), written to `out` (n / mid floats).
struct ProgramSum {
  int32_t reg;
  AxisView over;
  float* out;
};

struct Instruction {
  int32_t op, a, b, c;
};

// Runs the program over n elements: registers [0, inputs.size()) are the inputs,
// register inputs.size() + i is instruction i's result; outputs[j] receives register
// output_registers[j]. The program must already be validated (validate_program).
// Sums are accumulated in float64 over fixed chunks of elements (in element order
// within a chunk) and the chunks' partial sums added in chunk order, then rounded to
// float32 once: the result does not depend on the thread count.
void run_program(int64_t n, const std::vector<ProgramInput>& inputs, const std::vector<Instruction>& code,
                 const std::vector<float>& constants, const std::vector<int32_t>& output_registers,
                 const std::vector<float*>& outputs, const std::vector<ProgramSum>& sums = {});

// One tensor's inputs (each of n floats or a size-1 scalar; no axis views), outputs
// (n floats each) and constants for run_programs.
struct ProgramTensor {
  int64_t n;
  std::vector<ProgramInput> inputs;
  std::vector<float*> outputs;
  std::vector<float> constants;
};

// run_program of one program's code (no sums) over each of several tensors, each with
// its own constants, in one job of the thread pool: the same elements, bit for bit, as
// one run_program call per tensor.
void run_programs(const std::vector<ProgramTensor>& tensors, const std::vector<Instruction>& code,
                  const std::vector<int32_t>& output_registers);

// An empty string if the program is well formed, else what is wrong with it.
const char* validate_program(size_t inputs, const std::vector<Instruction>& code, size_t constants,
                             const std::vector<int32_t>& output_registers);

// elementwiseProgram(inputs: Float32Array[], outputs: Float32Array[], code: Int32Array,
// constants: Float64Array, outputRegisters: Int32Array, n: number[, inputViews: Float64Array
// (mid, inner per input; mid 0 for none), sums: Float32Array[], sumRegisters: Int32Array,
// sumViews: Float64Array (mid, inner per sum)]).
napi_value ElementwiseProgramBinding(napi_env env, napi_callback_info info);

// elementwisePrograms(inputs: Float32Array[], outputs: Float32Array[], code: Int32Array,
// constants: Float64Array, outputRegisters: Int32Array, sizes: Float64Array): the program
// over sizes.length tensors, tensor t's inputs at [t·N, (t+1)·N) (N = inputs.length /
// sizes.length), its outputs at [t·K, (t+1)·K) (K = outputRegisters.length) and its
// constants at [t·C, (t+1)·C) (C = constants.length / sizes.length).
napi_value ElementwiseProgramsBinding(napi_env env, napi_callback_info info);

}  // namespace algobench
