// Adam's moments and update with the three per-tensor sums LAMB's trust ratio needs, in
// one pass over memory (see adam_dots.cc).
#pragma once
#include <node_api.h>

#include <cstdint>
#include <vector>

#include "elementwise.h"

namespace algobench {

// As adam_moments (m', v', u in float32, the same expressions), and in the same pass
// sums[0] = Σu², sums[1] = Σu·p, sums[2] = Σp²: each product rounded to float32, summed
// in float64 over a chunk grid fixed by n alone (not by the thread count), rounded once.
void adam_moments_dots(const AdamCoefficients& k, int64_t n, const float* g, const float* m, const float* v, const float* p,
                       float* m_out, float* v_out, float* update, float sums[3]);

// adam_moments_dots of several tensors in one job of the pool (all their chunks, each
// tensor on its own grid): sums[3t..3t+2] are tensor t's, with adam_moments_dots's bits.
struct AdamDotsTensor {
  int64_t n;
  const float *g, *m, *v, *p;
  float *m_out, *v_out, *update;
};
void adam_moments_dots_many(const AdamCoefficients& k, const std::vector<AdamDotsTensor>& tensors, float* sums);

// As adam_moments, and in the same pass AdamP's per-column sums: for each pair k of
// indices into (0 g, 1 p, 2 the update u), out[k][c] = Σ_r x[a_k][r, c]·x[b_k][r, c] over
// the [rows, cols] view, on DOTS_KERNEL's column grid (dots.h), so the sums have its bits.
void adam_moments_column_dots(const AdamCoefficients& k, int64_t rows, int64_t cols, const float* g, const float* m, const float* v,
                              const float* p, float* m_out, float* v_out, float* update, const std::vector<int32_t>& pairs,
                              const std::vector<float*>& out);

// AdamP's projection of a [rows, cols] weight, decided and reduced to one factor per
// column (ADAMP_KERNEL in harness/spec.ts): adam_moments_column_dots with the four sums
// ⟨g, W⟩, ‖g‖², ‖W‖², ⟨W, u⟩ per column, then, in the float32 ops of the kit's two
// channel programs (submissions/kit/transforms/adamp.ts) and in their order, the branch
// and factor[c] = wd·ratio − k_c (or −k_c where wd is 0), so that the step is u + W·factor.
// projection: the channel view's cosine threshold, the layer view's, eps, wdRatio, wd.
// With `step`, `update` ends as the step itself, u + W·factor (each element's product and
// sum rounded to float32, as the kit's program computes them), in a second threaded pass.
struct AdamPProjection {
  float channel_threshold, layer_threshold, eps, wd_ratio, wd;
};
void adamp_column_step(const AdamCoefficients& k, const AdamPProjection& o, int64_t rows, int64_t cols, const float* g, const float* m,
                       const float* v, const float* p, float* m_out, float* v_out, float* update, float* factor, bool step = false);

// Adds `adamMomentsDots`, `adamMomentsDotsMany`, `adamMomentsColumnDots`, `adampColumnStep` and `adampStep` to the addon's exports.
void define_adam_dots_kernels(napi_env env, napi_value exports);

}  // namespace algobench
