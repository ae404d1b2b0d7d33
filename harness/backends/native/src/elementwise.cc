#include "elementwise.h"

#include <algorithm>
#include <cmath>

#include "parallel.h"

namespace algobench {

namespace {

// One thread's share of adam_moments. The coefficients are locals and the arrays are
// declared not to overlap (the kernel's outputs are always fresh tensors), so that the
// compiler vectorises the loop: through a reference to the struct and possibly aliased
// pointers it stayed scalar, and the divisions and the root made it compute-bound.
// Vector division and square root round as the scalar ones do, so no bit changes.
template <bool kNesterov>
void adam_range(const AdamCoefficients& k, int64_t i0, int64_t i1, const float* __restrict g, const float* __restrict m,
                const float* __restrict v, float* __restrict m_out, float* __restrict v_out, float* __restrict update) {
  const float b1 = k.b1, one_minus_b1 = k.one_minus_b1, b2 = k.b2, one_minus_b2 = k.one_minus_b2;
  const float c1 = k.c1, c2 = k.c2, eps = k.eps, look_m = k.look_m, look_g = k.look_g;
  for (int64_t i = i0; i < i1; ++i) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * one_minus_b1;
    const float vi = v[i] * b2 + (gi * gi) * one_minus_b2;
    const float mhat = kNesterov ? mi * look_m + gi * look_g : mi / c1;
    m_out[i] = mi;
    v_out[i] = vi;
    update[i] = mhat / (std::sqrt(vi / c2) + eps);
  }
}

}  // namespace

void adam_moments(const AdamCoefficients& k, int64_t n, const float* g, const float* m, const float* v,
                  float* m_out, float* v_out, float* update) {
  const int parts = n >= (1 << 15) ? thread_count() : 1;
  parallel_for(parts, [&](int t) {
    const int64_t i0 = n * t / parts, i1 = n * (t + 1) / parts;
    if (k.nesterov) adam_range<true>(k, i0, i1, g, m, v, m_out, v_out, update);
    else adam_range<false>(k, i0, i1, g, m, v, m_out, v_out, update);
  });
}

}  // namespace algobench
