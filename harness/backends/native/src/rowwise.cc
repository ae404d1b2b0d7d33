// Softmax over the last axis and the Max/Min/Prod/ArgMax/ArgMin reductions over a
// block of adjacent axes ([outer, reduced, inner]). Each output element is reduced
// by one thread in index order, so the bits do not depend on the thread count.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "fast_math.h"
#include "split.h"
#include "stock.h"

namespace algobench {
namespace {

// tfjs's cpu backend: Max/Min let NaN win; ArgMax/ArgMin keep the first extreme.
struct MaxOp { static float init() { return -std::numeric_limits<float>::infinity(); } static bool better(float v, float best) { return v > best || v != v; } };
struct MinOp { static float init() { return std::numeric_limits<float>::infinity(); } static bool better(float v, float best) { return v < best || v != v; } };

// One contiguous row's extreme, over 16 lanes so that it vectorises (NaN still wins:
// a lane that met one keeps it, and it wins the fold).
template <typename Op>
float extreme_row(const float* p, int64_t n) {
  float lane[16];
  for (int j = 0; j < 16; ++j) lane[j] = Op::init();
  int64_t r = 0;
  for (; r + 16 <= n; r += 16)
    for (int j = 0; j < 16; ++j) lane[j] = Op::better(p[r + j], lane[j]) ? p[r + j] : lane[j];
  float best = Op::init();
  for (; r < n; ++r) best = Op::better(p[r], best) ? p[r] : best;
  for (int j = 0; j < 16; ++j) best = Op::better(lane[j], best) ? lane[j] : best;
  return best;
}

template <typename Op>
void extreme(const float* x, float* y, int64_t outer, int64_t reduced, int64_t inner, int64_t lo, int64_t hi) {
  if (inner == 1) {
    for (int64_t q = lo; q < hi; ++q) y[q] = extreme_row<Op>(x + q * reduced, reduced);
    return;
  }
  // A middle axis: outputs [lo, hi) cut into runs of one outer index, each run folded
  // row by row (contiguous, vectorised) rather than one output at a time down a
  // strided column. The same comparisons in the same order: the same result.
  for (int64_t q = lo; q < hi;) {
    const int64_t o = q / inner, i0 = q % inner, i1 = std::min(inner, i0 + (hi - q));
    const float* p = x + o * reduced * inner;
    float* out = y + o * inner;
    for (int64_t i = i0; i < i1; ++i) out[i] = p[i];
    for (int64_t r = 1; r < reduced; ++r) {
      const float* row = p + r * inner;
      for (int64_t i = i0; i < i1; ++i) out[i] = Op::better(row[i], out[i]) ? row[i] : out[i];
    }
    q += i1 - i0;
  }
}

template <bool Max>
void arg_extreme(const float* x, int32_t* y, int64_t reduced, int64_t inner, int64_t lo, int64_t hi) {
  for (int64_t q = lo; q < hi; ++q) {
    const int64_t o = q / inner, i = q % inner;
    const float* p = x + o * reduced * inner + i;
    float best = p[0];
    int32_t at = 0;
    for (int64_t r = 1; r < reduced; ++r) {
      const float v = p[r * inner];
      if (Max ? v > best : v < best) {
        best = v;
        at = (int32_t)r;
      }
    }
    y[q] = at;
  }
}

void product(const float* x, float* y, int64_t reduced, int64_t inner, int64_t lo, int64_t hi) {
  for (int64_t q = lo; q < hi; ++q) {
    const int64_t o = q / inner, i = q % inner;
    const float* p = x + o * reduced * inner + i;
    float acc = 1.f;
    for (int64_t r = 0; r < reduced; ++r) acc *= p[r * inner];
    y[q] = acc;
  }
}

// The largest of x[0..n) ignoring NaN (a NaN row's softmax is NaN through its sum), 16 lanes.
float row_max(const float* x, int64_t n) {
  float lane[16];
  for (int j = 0; j < 16; ++j) lane[j] = -std::numeric_limits<float>::infinity();
  int64_t c = 0;
  for (; c + 16 <= n; c += 16)
    for (int j = 0; j < 16; ++j) lane[j] = x[c + j] > lane[j] ? x[c + j] : lane[j];
  float m = -std::numeric_limits<float>::infinity();
  for (; c < n; ++c) m = x[c] > m ? x[c] : m;
  for (int j = 0; j < 16; ++j) m = lane[j] > m ? lane[j] : m;
  return m;
}

}  // namespace

void softmax(const float* x, float* y, int64_t rows, int64_t cols, bool log) {
  split_range(rows, rows * cols, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* in = x + r * cols;
      float* out = y + r * cols;
      const float m = row_max(in, cols);
      for (int64_t c = 0; c < cols; ++c) out[c] = exp_vectorisable(in[c] - m);
      // Sixteen partial sums: vectorisable, and a fixed order whatever the threads.
      float part[16] = {0};
      int64_t c = 0;
      for (; c + 16 <= cols; c += 16)
        for (int j = 0; j < 16; ++j) part[j] += out[c + j];
      float sum = 0.f;
      for (; c < cols; ++c) sum += out[c];
      for (int j = 0; j < 16; ++j) sum += part[j];
      if (log) {
        const float ls = std::log(sum);
        for (int64_t k = 0; k < cols; ++k) out[k] = (in[k] - m) - ls;
      } else {
        for (int64_t k = 0; k < cols; ++k) out[k] /= sum;
      }
    }
  });
}

void reduce(int op, const float* x, void* y, int64_t outer, int64_t reduced, int64_t inner) {
  float* yf = static_cast<float*>(y);
  int32_t* yi = static_cast<int32_t*>(y);
  split_range(outer * inner, outer * reduced * inner, [&](int64_t lo, int64_t hi) {
    switch (op) {
      case kReduceMax: return extreme<MaxOp>(x, yf, outer, reduced, inner, lo, hi);
      case kReduceMin: return extreme<MinOp>(x, yf, outer, reduced, inner, lo, hi);
      case kReduceProd: return product(x, yf, reduced, inner, lo, hi);
      case kReduceArgMax: return arg_extreme<true>(x, yi, reduced, inner, lo, hi);
      case kReduceArgMin: return arg_extreme<false>(x, yi, reduced, inner, lo, hi);
    }
  });
}

}  // namespace algobench
