// Elementwise kernels: binary ops with numpy broadcasting, unary float ops, select,
// cast and one-hot. The inner loops are written so the compiler vectorises them
// (unit or zero strides, no calls), aiming at memory bandwidth; large tensors are
// split between threads by output ranges.
#include <cmath>
#include <cstring>
#include <limits>

#include "fast_math.h"
#include "split.h"
#include "stock.h"

namespace algobench {
namespace {

constexpr int kMaxRank = 8;

// The float semantics of tfjs's cpu backend: Maximum/Minimum propagate NaN.
template <typename T> inline T max_of(T a, T b) { return (a != a || b != b) ? std::numeric_limits<T>::quiet_NaN() : (a > b ? a : b); }
template <typename T> inline T min_of(T a, T b) { return (a != a || b != b) ? std::numeric_limits<T>::quiet_NaN() : (a < b ? a : b); }
template <> inline int32_t max_of(int32_t a, int32_t b) { return a > b ? a : b; }
template <> inline int32_t min_of(int32_t a, int32_t b) { return a < b ? a : b; }
// int32 arithmetic wraps (as tfjs's Int32Array stores do), without C++'s overflow UB.
inline int32_t wrap(uint32_t v) { return static_cast<int32_t>(v); }

template <int Op, typename T> struct Binary;
template <typename T> struct Binary<kAdd, T> { using R = T; static R f(T a, T b) { return a + b; } };
template <typename T> struct Binary<kSub, T> { using R = T; static R f(T a, T b) { return a - b; } };
template <typename T> struct Binary<kMul, T> { using R = T; static R f(T a, T b) { return a * b; } };
template <> struct Binary<kAdd, int32_t> { using R = int32_t; static R f(int32_t a, int32_t b) { return wrap((uint32_t)a + (uint32_t)b); } };
template <> struct Binary<kSub, int32_t> { using R = int32_t; static R f(int32_t a, int32_t b) { return wrap((uint32_t)a - (uint32_t)b); } };
template <> struct Binary<kMul, int32_t> { using R = int32_t; static R f(int32_t a, int32_t b) { return wrap((uint32_t)a * (uint32_t)b); } };
template <typename T> struct Binary<kDiv, T> { using R = T; static R f(T a, T b) { return a / b; } };
template <typename T> struct Binary<kMax, T> { using R = T; static R f(T a, T b) { return max_of(a, b); } };
template <typename T> struct Binary<kMin, T> { using R = T; static R f(T a, T b) { return min_of(a, b); } };
template <typename T> struct Binary<kPow, T> { using R = T; static R f(T a, T b) { return std::pow(a, b); } };
template <typename T> struct Binary<kSquaredDifference, T> { using R = T; static R f(T a, T b) { const T d = a - b; return d * d; } };
template <typename T> struct Binary<kGreater, T> { using R = uint8_t; static R f(T a, T b) { return a > b; } };
template <typename T> struct Binary<kGreaterEqual, T> { using R = uint8_t; static R f(T a, T b) { return a >= b; } };
template <typename T> struct Binary<kLess, T> { using R = uint8_t; static R f(T a, T b) { return a < b; } };
template <typename T> struct Binary<kLessEqual, T> { using R = uint8_t; static R f(T a, T b) { return a <= b; } };
template <typename T> struct Binary<kEqual, T> { using R = uint8_t; static R f(T a, T b) { return a == b; } };
template <typename T> struct Binary<kNotEqual, T> { using R = uint8_t; static R f(T a, T b) { return a != b; } };

// Broadcast geometry after merging: output dims, and a's and b's strides per axis.
struct Geometry {
  int rank = 0;
  int64_t dims[kMaxRank], as[kMaxRank], bs[kMaxRank];
};

Geometry merge(int rank, const int64_t* shape, const int64_t* a_strides, const int64_t* b_strides) {
  Geometry g;
  for (int i = 0; i < rank; ++i) {
    if (shape[i] == 1) continue;
    const int k = g.rank - 1;
    if (k >= 0 && g.as[k] == a_strides[i] * shape[i] && g.bs[k] == b_strides[i] * shape[i]) {
      g.dims[k] *= shape[i];
      g.as[k] = a_strides[i];
      g.bs[k] = b_strides[i];
    } else {
      g.dims[g.rank] = shape[i];
      g.as[g.rank] = a_strides[i];
      g.bs[g.rank] = b_strides[i];
      ++g.rank;
    }
  }
  if (g.rank == 0) {
    g.rank = 1;
    g.dims[0] = 1;
    g.as[0] = g.bs[0] = 0;
  }
  return g;
}

template <int Op, typename T>
void binary_run(const T* a, const T* b, typename Binary<Op, T>::R* out, const Geometry& g) {
  using B = Binary<Op, T>;
  const int r = g.rank;
  const int64_t row = g.dims[r - 1], sa = g.as[r - 1], sb = g.bs[r - 1];
  int64_t rows = 1;
  for (int i = 0; i < r - 1; ++i) rows *= g.dims[i];
  // Split rows between threads, or, with few rows (no broadcasting: one row), the row.
  const bool by_rows = rows >= thread_count() * 4;
  const int64_t units = by_rows ? rows : rows * thread_count();
  split_range(by_rows ? rows : units, rows * row, [&](int64_t lo, int64_t hi) {
    for (int64_t u = lo; u < hi; ++u) {
      int64_t q = by_rows ? u : u / thread_count(), j0 = 0, j1 = row;
      if (!by_rows) {
        const int64_t part = u % thread_count();
        j0 = row * part / thread_count();
        j1 = row * (part + 1) / thread_count();
      }
      int64_t ao = 0, bo = 0, rest = q;
      for (int i = r - 2; i >= 0; --i) {
        const int64_t v = rest % g.dims[i];
        rest /= g.dims[i];
        ao += v * g.as[i];
        bo += v * g.bs[i];
      }
      const T* pa = a + ao + j0 * sa;
      const T* pb = b + bo + j0 * sb;
      typename B::R* po = out + q * row + j0;
      const int64_t n = j1 - j0;
      if (sa == 1 && sb == 1) for (int64_t j = 0; j < n; ++j) po[j] = B::f(pa[j], pb[j]);
      else if (sa == 0 && sb == 1) { const T s = pa[0]; for (int64_t j = 0; j < n; ++j) po[j] = B::f(s, pb[j]); }
      else if (sa == 1 && sb == 0) { const T s = pb[0]; for (int64_t j = 0; j < n; ++j) po[j] = B::f(pa[j], s); }
      else for (int64_t j = 0; j < n; ++j) po[j] = B::f(pa[j * sa], pb[j * sb]);
    }
  });
}

template <typename T>
void binary_typed(int op, const T* a, const T* b, void* out, const Geometry& g) {
  using U8 = uint8_t;
  switch (op) {
    case kAdd: return binary_run<kAdd, T>(a, b, static_cast<T*>(out), g);
    case kSub: return binary_run<kSub, T>(a, b, static_cast<T*>(out), g);
    case kMul: return binary_run<kMul, T>(a, b, static_cast<T*>(out), g);
    case kDiv: return binary_run<kDiv, T>(a, b, static_cast<T*>(out), g);
    case kMax: return binary_run<kMax, T>(a, b, static_cast<T*>(out), g);
    case kMin: return binary_run<kMin, T>(a, b, static_cast<T*>(out), g);
    case kPow: return binary_run<kPow, T>(a, b, static_cast<T*>(out), g);
    case kSquaredDifference: return binary_run<kSquaredDifference, T>(a, b, static_cast<T*>(out), g);
    case kGreater: return binary_run<kGreater, T>(a, b, static_cast<U8*>(out), g);
    case kGreaterEqual: return binary_run<kGreaterEqual, T>(a, b, static_cast<U8*>(out), g);
    case kLess: return binary_run<kLess, T>(a, b, static_cast<U8*>(out), g);
    case kLessEqual: return binary_run<kLessEqual, T>(a, b, static_cast<U8*>(out), g);
    case kEqual: return binary_run<kEqual, T>(a, b, static_cast<U8*>(out), g);
    case kNotEqual: return binary_run<kNotEqual, T>(a, b, static_cast<U8*>(out), g);
  }
}

template <int Op> struct Unary;
template <> struct Unary<kSqrt> { static float f(float x, float) { return std::sqrt(x); } };
template <> struct Unary<kRsqrt> { static float f(float x, float) { return 1.f / std::sqrt(x); } };
template <> struct Unary<kExp> { static float f(float x, float) { return std::exp(x); } };
template <> struct Unary<kLog> { static float f(float x, float) { return std::log(x); } };
template <> struct Unary<kTanh> { static float f(float x, float) { return tanh_vectorisable(x); } };
template <> struct Unary<kSigmoid> { static float f(float x, float) { return sigmoid_vectorisable(x); } };
template <> struct Unary<kRelu> { static float f(float x, float) { return x > 0.f ? x : (x != x ? x : 0.f); } };
template <> struct Unary<kElu> { static float f(float x, float) { return x >= 0.f ? x : std::expm1(x); } };
template <> struct Unary<kErf> { static float f(float x, float) { return std::erf(x); } };
template <> struct Unary<kSign> { static float f(float x, float) { return x > 0.f ? 1.f : (x < 0.f ? -1.f : (x != x ? x : 0.f)); } };
template <> struct Unary<kAbs> { static float f(float x, float) { return std::fabs(x); } };
template <> struct Unary<kNeg> { static float f(float x, float) { return -x; } };
template <> struct Unary<kSquare> { static float f(float x, float) { return x * x; } };
template <> struct Unary<kReciprocal> { static float f(float x, float) { return 1.f / x; } };
// tfjs's Step: NaN stays NaN, x > 0 → 1, else alpha.
template <> struct Unary<kStep> { static float f(float x, float alpha) { return x != x ? x : (x > 0.f ? 1.f : alpha); } };

template <int Op>
void unary_run(const float* x, float* y, int64_t n, float alpha) {
  split_range(n, n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) y[i] = Unary<Op>::f(x[i], alpha);
  });
}

template <typename From, typename To>
void cast_run(const From* x, To* y, int64_t n) {
  split_range(n, n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) y[i] = static_cast<To>(x[i]);
  });
}

template <typename From>
void to_bool(const From* x, uint8_t* y, int64_t n) {
  split_range(n, n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) y[i] = x[i] != 0;
  });
}

template <typename From>
void cast_from(const From* x, void* y, int64_t n, int to) {
  if (to == kFloat32) cast_run(x, static_cast<float*>(y), n);
  else if (to == kInt32) cast_run(x, static_cast<int32_t*>(y), n);
  else to_bool(x, static_cast<uint8_t*>(y), n);
}

}  // namespace

int64_t parallel_threshold() { return parallel_min_elements(); }

void binary(int op, int dtype, const void* a, const void* b, void* out, int rank, const int64_t* shape,
            const int64_t* a_strides, const int64_t* b_strides) {
  const Geometry g = merge(rank, shape, a_strides, b_strides);
  if (dtype == kInt32) binary_typed(op, static_cast<const int32_t*>(a), static_cast<const int32_t*>(b), out, g);
  else binary_typed(op, static_cast<const float*>(a), static_cast<const float*>(b), out, g);
}

void unary(int op, const float* x, float* y, int64_t n, float alpha) {
  switch (op) {
    case kSqrt: return unary_run<kSqrt>(x, y, n, alpha);
    case kRsqrt: return unary_run<kRsqrt>(x, y, n, alpha);
    case kExp: return unary_run<kExp>(x, y, n, alpha);
    case kLog: return unary_run<kLog>(x, y, n, alpha);
    case kTanh: return unary_run<kTanh>(x, y, n, alpha);
    case kSigmoid: return unary_run<kSigmoid>(x, y, n, alpha);
    case kRelu: return unary_run<kRelu>(x, y, n, alpha);
    case kElu: return unary_run<kElu>(x, y, n, alpha);
    case kErf: return unary_run<kErf>(x, y, n, alpha);
    case kSign: return unary_run<kSign>(x, y, n, alpha);
    case kAbs: return unary_run<kAbs>(x, y, n, alpha);
    case kNeg: return unary_run<kNeg>(x, y, n, alpha);
    case kSquare: return unary_run<kSquare>(x, y, n, alpha);
    case kReciprocal: return unary_run<kReciprocal>(x, y, n, alpha);
    case kStep: return unary_run<kStep>(x, y, n, alpha);
  }
}

void select(const uint8_t* cond, const uint8_t* t, const uint8_t* e, uint8_t* out, int64_t n, int64_t inner, int elem_bytes) {
  split_range(n, n, [&](int64_t lo, int64_t hi) {
    if (elem_bytes == 4) {
      const uint32_t* t4 = reinterpret_cast<const uint32_t*>(t);
      const uint32_t* e4 = reinterpret_cast<const uint32_t*>(e);
      uint32_t* o4 = reinterpret_cast<uint32_t*>(out);
      if (inner == 1) for (int64_t i = lo; i < hi; ++i) o4[i] = cond[i] ? t4[i] : e4[i];
      else for (int64_t i = lo; i < hi; ++i) o4[i] = cond[i / inner] ? t4[i] : e4[i];
    } else {
      for (int64_t i = lo; i < hi; ++i) out[i] = cond[i / inner] ? t[i] : e[i];
    }
  });
}

void cast(const void* x, void* y, int64_t n, int from, int to) {
  if (from == kFloat32) cast_from(static_cast<const float*>(x), y, n, to);
  else if (from == kInt32) cast_from(static_cast<const int32_t*>(x), y, n, to);
  else cast_from(static_cast<const uint8_t*>(x), y, n, to);
}

void one_hot(const int32_t* ids, void* y, int64_t n, int64_t depth, double on, double off, int dtype) {
  split_range(n, n * depth, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const int64_t id = ids[i];
      if (dtype == kInt32) {
        int32_t* row = static_cast<int32_t*>(y) + i * depth;
        for (int64_t d = 0; d < depth; ++d) row[d] = (int32_t)(d == id ? on : off);
      } else {
        float* row = static_cast<float*>(y) + i * depth;
        for (int64_t d = 0; d < depth; ++d) row[d] = (float)(d == id ? on : off);
      }
    }
  });
}

}  // namespace algobench
