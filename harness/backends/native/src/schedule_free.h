// Schedule-free AdamW's step (Defazio et al. 2024) for one parameter in one pass.
#pragma once
#include <node_api.h>

#include <cstdint>

namespace algobench {

struct ScheduleFreeCoefficients {
  float b1, one_minus_b1, b2, one_minus_b2, eps, c2, lr, c, one_minus_c, wd;
  bool apply;  // out = p + (y − p) (the new parameters), else y − p (the update)
};

// v ← b2·v + (1−b2)·g²;  s = g/(√(v/c2) + eps) [+ wd·((1−b1)·z + b1·x) when wd ≠ 0];
// z ← z − lr·s;  x ← (1−c)·x + c·z;  y = (1−b1)·z + b1·x;  out = y − p, or p + (y − p);
// each step in float32 in the order the kit's elementwise program takes, so the result
// matches it bit for bit.
void schedule_free_step(const ScheduleFreeCoefficients& k, int64_t n, const float* g, const float* v, const float* z,
                        const float* x, const float* p, float* v_out, float* z_out, float* x_out, float* out);

// Adds scheduleFreeStep to the addon's exports.
void define_schedule_free_kernels(napi_env env, napi_value exports);

}  // namespace algobench
