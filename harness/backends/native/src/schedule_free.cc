// schedule_free_step(): schedule-free AdamW's whole per-element step, on both threads.
#include "schedule_free.h"
#include "napi_args.h"

#include <cmath>
#include <string>

#include "split.h"

// Every product and sum rounds on its own, as the tfjs ops and the elementwise program
// do: no contraction into fused multiply-adds (GCC contracts by default in C++).
#pragma GCC optimize("fp-contract=off")

namespace algobench {

namespace {

// One range. Locals and restrict pointers so that the loop vectorises (as adam_range).
template <bool kDecay, bool kApply>
void step_range(const ScheduleFreeCoefficients& k, int64_t i0, int64_t i1, const float* __restrict g, const float* __restrict v,
                const float* __restrict z, const float* __restrict x, const float* __restrict p, float* __restrict v_out,
                float* __restrict z_out, float* __restrict x_out, float* __restrict out) {
  const float b1 = k.b1, one_minus_b1 = k.one_minus_b1, b2 = k.b2, one_minus_b2 = k.one_minus_b2;
  const float eps = k.eps, c2 = k.c2, lr = k.lr, c = k.c, one_minus_c = k.one_minus_c, wd = k.wd;
  for (int64_t i = i0; i < i1; ++i) {
    const float gi = g[i];
    const float vi = v[i] * b2 + (gi * gi) * one_minus_b2;
    float s = gi / (std::sqrt(vi / c2) + eps);
    if (kDecay) s = s + (z[i] * one_minus_b1 + x[i] * b1) * wd;
    const float zi = z[i] - s * lr;
    const float xi = x[i] * one_minus_c + zi * c;
    const float yi = zi * one_minus_b1 + xi * b1;
    const float ui = yi - p[i];
    v_out[i] = vi;
    z_out[i] = zi;
    x_out[i] = xi;
    out[i] = kApply ? p[i] + ui : ui;
  }
}

}  // namespace

void schedule_free_step(const ScheduleFreeCoefficients& k, int64_t n, const float* g, const float* v, const float* z,
                        const float* x, const float* p, float* v_out, float* z_out, float* x_out, float* out) {
  split_range(n, 9 * n, [&](int64_t i0, int64_t i1) {
    if (k.wd != 0.0f) {
      if (k.apply) step_range<true, true>(k, i0, i1, g, v, z, x, p, v_out, z_out, x_out, out);
      else step_range<true, false>(k, i0, i1, g, v, z, x, p, v_out, z_out, x_out, out);
    } else {
      if (k.apply) step_range<false, true>(k, i0, i1, g, v, z, x, p, v_out, z_out, x_out, out);
      else step_range<false, false>(k, i0, i1, g, v, z, x, p, v_out, z_out, x_out, out);
    }
  });
}

namespace {

// scheduleFreeStep(g, v, z, x, p, vOut, zOut, xOut, out, coefficients: Float64Array[11])
// coefficients: b1, 1−b1, b2, 1−b2, eps, c2, lr, c, 1−c, wd, apply (0/1)
napi_value ScheduleFreeStep(napi_env env, napi_callback_info info) {
  NapiArgs args(env, info, "scheduleFreeStep");
  float* f[9];
  size_t len[9];
  for (int i = 0; i < 9; ++i) f[i] = args.floats(i, &len[i]);
  size_t klen = 0;
  const double* c = args.array<double>(9, napi_float64_array, &klen);
  if (args.failed) return nullptr;
  for (int i = 1; i < 9; ++i) {
    if (len[i] != len[0]) return args.fail("every array must have the gradient's length"), nullptr;
  }
  if (klen != 11) return args.fail("coefficients must be a Float64Array of 11"), nullptr;
  const ScheduleFreeCoefficients k{(float)c[0], (float)c[1], (float)c[2], (float)c[3], (float)c[4], (float)c[5],
                                   (float)c[6], (float)c[7], (float)c[8], (float)c[9], c[10] != 0};
  schedule_free_step(k, (int64_t)len[0], f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]);
  return nullptr;
}

}  // namespace

void define_schedule_free_kernels(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"scheduleFreeStep", nullptr, ScheduleFreeStep, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace algobench
