// Fused optimizer arithmetic: one pass over memory instead of a dozen tfjs ops.
#pragma once
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

}  // namespace algobench
