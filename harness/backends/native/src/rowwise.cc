// Softmax over the last axis and the Max/Min/Prod/ArgMax/ArgMin reductions over a
// block of adjacent axes ([outer, reduced, inner]). Each output element is reduced
// by one thread in index order, so the bits do not depend on the thread count.
#include <cmath>
#include <limits>

#include "split.h"
#include "stock.h"

namespace algobench {
namespace {

// tfjs's cpu backend: Max/Min let NaN win; ArgMax/ArgMin keep the first extreme.
struct MaxOp { static float init() { return -std::numeric_limits<float>::infinity(); } static bool better(float v, float best) { return v > best || v != v; } };
struct MinOp { static float init() { return std::numeric_limits<float>::infinity(); } static bool better(float v, float best) { return v < best || v != v; } };

template <typename Op>
void extreme(const float* x, float* y, int64_t outer, int64_t reduced, int64_t inner, int64_t lo, int64_t hi) {
  for (int64_t q = lo; q < hi; ++q) {
    const int64_t o = q / inner, i = q % inner;
    const float* p = x + o * reduced * inner + i;
    float best = p[0];
    for (int64_t r = 1; r < reduced; ++r) {
      const float v = p[r * inner];
      if (Op::better(v, best)) best = v;
    }
    y[q] = best;
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

}  // namespace

void softmax(const float* x, float* y, int64_t rows, int64_t cols, bool log) {
  split_range(rows, rows * cols, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* in = x + r * cols;
      float* out = y + r * cols;
      float m = -std::numeric_limits<float>::infinity();
      for (int64_t c = 0; c < cols; ++c) m = in[c] > m ? in[c] : m;
      // Sixteen partial sums: vectorisable, and a fixed order whatever the threads.
      float part[16] = {0};
      int64_t c = 0;
      for (; c + 16 <= cols; c += 16)
        for (int j = 0; j < 16; ++j) {
          const float e = std::exp(in[c + j] - m);
          out[c + j] = e;
          part[j] += e;
        }
      float sum = 0.f;
      for (; c < cols; ++c) {
        out[c] = std::exp(in[c] - m);
        sum += out[c];
      }
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
