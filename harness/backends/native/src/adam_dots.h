// Adam's moments and update with the three per-tensor sums LAMB's trust ratio needs, in
// one pass over memory (see adam_dots.cc).
#pragma once
#include <node_api.h>

#include <cstdint>

#include "elementwise.h"

namespace algobench {

// As adam_moments (m', v', u in float32, the same expressions), and in the same pass
// sums[0] = Σu², sums[1] = Σu·p, sums[2] = Σp²: each product rounded to float32, summed
// in float64 over a chunk grid fixed by n alone (not by the thread count), rounded once.
void adam_moments_dots(const AdamCoefficients& k, int64_t n, const float* g, const float* m, const float* v, const float* p,
                       float* m_out, float* v_out, float* update, float sums[3]);

// Adds `adamMomentsDots` to the addon's exports.
void define_adam_dots_kernels(napi_env env, napi_value exports);

}  // namespace algobench
