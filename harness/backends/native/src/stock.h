// Kernels for the stock TensorFlow.js ops that models written the usual way spend
// their time in: layout (transpose, gather, segment sum), pointwise arithmetic with
// broadcasting, and row-wise softmax and reductions. Every result is the same bits
// whatever the thread count: each output element is computed by one thread, in the
// same order as a serial loop would.
#pragma once
#include <cstdint>

namespace algobench {

// Element types, as the TypeScript side codes them.
enum DType : int { kFloat32 = 0, kInt32 = 1, kBool = 2 };

// y = x transposed by perm, for elements of `elem_bytes` bytes (1, 4). Axes that stay
// adjacent are merged first; rank ≤ 8.
void transpose(const uint8_t* x, uint8_t* y, int elem_bytes, int rank, const int64_t* shape, const int* perm);

// y[o, j, :] = x[o, ids[j], :] for x viewed as [outer, axis, inner] (inner in bytes).
// Answers the position of the first id outside [0, axis), or −1.
int64_t gather(const uint8_t* x, const int32_t* ids, uint8_t* y, int64_t outer, int64_t axis, int64_t n_ids, int64_t inner_bytes);

// y[s, :] = Σ_{r: ids[r] = s} x[r, :]; ids outside [0, segments) are dropped. Threads own
// ranges of segments and add rows in index order, so the sum is the serial one.
void segment_sum(const float* x, const int32_t* ids, float* y, int64_t rows, int64_t inner, int64_t segments);

enum BinaryOp : int {
  kAdd, kSub, kMul, kDiv, kMax, kMin, kPow, kSquaredDifference,
  kGreater, kGreaterEqual, kLess, kLessEqual, kEqual, kNotEqual,
};

// out = a op b with broadcasting: out has `rank` dims `shape`; a_strides/b_strides are
// element strides of a and b per output axis (0 where that operand broadcasts).
// dtype is the inputs' (float32 or int32); comparisons write bool (uint8).
void binary(int op, int dtype, const void* a, const void* b, void* out, int rank, const int64_t* shape,
            const int64_t* a_strides, const int64_t* b_strides);

enum UnaryOp : int {
  kSqrt, kRsqrt, kExp, kLog, kTanh, kSigmoid, kRelu, kElu, kErf, kSign, kAbs, kNeg, kSquare, kReciprocal, kStep,
};

// y = op(x) over n float32s; alpha is Step's value for x ≤ 0.
void unary(int op, const float* x, float* y, int64_t n, float alpha);

// out[i] = cond[i / inner] ? t[i] : e[i], elements of elem_bytes bytes.
void select(const uint8_t* cond, const uint8_t* t, const uint8_t* e, uint8_t* out, int64_t n, int64_t inner, int elem_bytes);

// y = x converted from dtype `from` to dtype `to` (float→int truncates, →bool is x ≠ 0).
void cast(const void* x, void* y, int64_t n, int from, int to);

// y[i, d] = ids[i] == d ? on : off, as float32 (dtype 0) or int32 (dtype 1).
void one_hot(const int32_t* ids, void* y, int64_t n, int64_t depth, double on, double off, int dtype);

// Softmax (or log-softmax) of each of `rows` rows of `cols` float32s.
void softmax(const float* x, float* y, int64_t rows, int64_t cols, bool log);

enum ReduceOp : int { kReduceMax, kReduceMin, kReduceProd, kReduceArgMax, kReduceArgMin };

// y[o, i] = op_r x[o, r, i] for x viewed as [outer, reduced, inner]; arg ops write int32.
void reduce(int op, const float* x, void* y, int64_t outer, int64_t reduced, int64_t inner);

// y[Σ i_k·dst_k] = x[Σ i_k·src_k] over every index i of `dims` (elements of 1 or 4
// bytes; strides in elements, src strides may be 0 or negative); rank ≤ 16.
void strided_copy(const uint8_t* x, uint8_t* y, int elem_bytes, int rank, const int64_t* dims, const int64_t* src_strides,
                  const int64_t* dst_strides);

// How many elements a pointwise kernel needs before it uses more than one thread.
int64_t parallel_threshold();

}  // namespace algobench
