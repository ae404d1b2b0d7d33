// Fused optimizer arithmetic: one pass over memory instead of a dozen tfjs ops.
#pragma once
#include <cmath>
#include <cstdint>

namespace algobench {

struct AdamCoefficients {
  float b1, one_minus_b1, b2, one_minus_b2, eps;
  float c1, c2;            // bias corrections 1 − b1ᵗ, 1 − b2ᵗ
  bool nesterov;
  float look_m, look_g;    // NAdam: m̂ = look_m·m + look_g·g
};

// m ← b1·m + (1−b1)·g; v ← b2·v + (1−b2)·g²; u = m̂ / (√(v/c2) + eps), each step in
// float32 in the order TensorFlow.js's ops take, so the result matches them.
void adam_moments(const AdamCoefficients& k, int64_t n, const float* g, const float* m, const float* v,
                  float* m_out, float* v_out, float* update);

// One thread's share of Adam's step over [i0, i1), shared by adam_moments and LAMB's
// adam_moments_dots so that the two give the same bits. The coefficients are locals and
// the arrays are declared not to overlap (the kernels' outputs are always fresh
// tensors), so that the compiler vectorises the loop: through a reference to the struct
// and possibly aliased pointers it stayed scalar, and the divisions and the root made
// it compute-bound. Vector division and square root round as the scalar ones do.
template <bool kNesterov>
inline void adam_range(const AdamCoefficients& k, int64_t i0, int64_t i1, const float* __restrict g, const float* __restrict m,
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

}  // namespace algobench
