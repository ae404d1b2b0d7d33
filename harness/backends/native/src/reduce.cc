#include "reduce.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "parallel.h"

namespace algobench {
namespace {

// Σ x[0..n) with 16 independent partial sums (vectorisable without -ffast-math).
float sum_contiguous(const float* x, int64_t n) {
  float part[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; ++j) part[j] += x[i + j];
  float total = 0.f;
  for (; i < n; ++i) total += x[i];
  for (int j = 0; j < 16; ++j) total += part[j];
  return total;
}

}  // namespace

void reduce_sum(const float* x, float* y, int64_t outer, int64_t reduced, int64_t inner, float scale) {
  const int threads = thread_count();
  const bool big = outer * reduced * inner >= (1 << 15);
  if (inner == 1) {
    // Rows reduced to one number each: rows split between threads, or, for a few
    // long rows, each row split and the halves added.
    if (outer >= threads || !big) {
      const int parts = big ? threads : 1;
      parallel_for(parts, [&](int t) {
        for (int64_t o = outer * t / parts; o < outer * (t + 1) / parts; ++o)
          y[o] = scale * sum_contiguous(x + o * reduced, reduced);
      });
    } else {
      for (int64_t o = 0; o < outer; ++o) {
        std::vector<float> part(threads, 0.f);
        const float* row = x + o * reduced;
        parallel_for(threads, [&](int t) {
          const int64_t r0 = reduced * t / threads, r1 = reduced * (t + 1) / threads;
          part[t] = sum_contiguous(row + r0, r1 - r0);
        });
        float total = 0.f;
        for (float p : part) total += p;
        y[o] = scale * total;
      }
    }
    return;
  }
  // Columns: y[o, :] accumulates rows x[o, r, :]; threads own slices of the columns.
  const int64_t slices = big ? std::min<int64_t>(threads, std::max<int64_t>(1, inner / 16)) : 1;
  const int64_t tasks = outer >= threads || !big ? (big ? threads : 1) : slices;
  parallel_for((int)tasks, [&](int t) {
    int64_t o0 = 0, o1 = outer, i0 = 0, i1 = inner;
    if (outer >= threads || !big) {
      o0 = outer * t / tasks;
      o1 = outer * (t + 1) / tasks;
    } else {
      i0 = inner * t / tasks;
      i1 = inner * (t + 1) / tasks;
    }
    for (int64_t o = o0; o < o1; ++o) {
      float* out = y + o * inner;
      std::fill(out + i0, out + i1, 0.f);
      for (int64_t r = 0; r < reduced; ++r) {
        const float* row = x + (o * reduced + r) * inner;
        for (int64_t i = i0; i < i1; ++i) out[i] += row[i];
      }
      if (scale != 1.f)
        for (int64_t i = i0; i < i1; ++i) out[i] *= scale;
    }
  });
}

}  // namespace algobench
