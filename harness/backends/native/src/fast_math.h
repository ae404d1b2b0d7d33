// Vectorisable float32 e^x, tanh and the logistic sigmoid: no calls and no branches,
// so that loops over them compile to AVX-512/AVX2 code (std::exp and std::tanh are
// scalar libm calls: a native Tanh with std::tanh ran at ~9 ns an element, slower
// than XNNPACK's).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace algobench {

// e^x to about 2 ulp: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 in two parts, Cody–Waite),
// e^r by Cephes' expf polynomial, 2^n from the exponent bits. Below −87.3 (2^n would
// leave the normal range) it is 0; above 88.4 it is e^88.4; NaN stays NaN.
inline float exp_vectorisable(float x) {
  constexpr float kLow = -87.33654f, kHigh = 88.37626f;
  const float c = std::min(std::max(x, kLow), kHigh);
  // Round to nearest by the 1.5·2²³ trick (exact without -ffast-math).
  const float n = (c * 1.44269504088896341f + 12582912.f) - 12582912.f;
  float r = c - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = p * (r * r) + r + 1.f;
  const int32_t bits = ((int32_t)n + 127) * (1 << 23);
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return x < kLow ? 0.f : e * scale;
}

// tanh to a few ulp. Below |x| = 0.625 its Taylor series to x^17 (the next term is
// under 1e-7 of the value there); above, 1 − 2/(e^{2|x|} + 1), where nothing cancels
// (the fraction is at most 0.45). The sign is copied back; NaN stays NaN, ±∞ gives ±1.
inline float tanh_vectorisable(float x) {
  const float a = std::fabs(x);
  const float s = a * a;
  float p = 6404582.f / 10854718875.f;
  p = p * s - 929569.f / 638512875.f;
  p = p * s + 21844.f / 6081075.f;
  p = p * s - 1382.f / 155925.f;
  p = p * s + 62.f / 2835.f;
  p = p * s - 17.f / 315.f;
  p = p * s + 2.f / 15.f;
  p = p * s - 1.f / 3.f;
  const float small = a + a * (s * p);
  const float large = 1.f - 2.f / (exp_vectorisable(2.f * a) + 1.f);
  return std::copysign(a < 0.625f ? small : large, x);
}

// 1 / (1 + e^−x): 0 below −88.4 (where the true value is below float32's normal
// range), exactly 1 above 17.
inline float sigmoid_vectorisable(float x) { return 1.f / (1.f + exp_vectorisable(-x)); }

}  // namespace algobench
