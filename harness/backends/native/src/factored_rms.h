// Adafactor's factored second moment of one matrix in one call (see factored_rms.cc).
#pragma once
#include <node_api.h>

#include <cstdint>
#include <vector>

namespace algobench {

// The per-step constants, each rounded to float32 as the kit's programs round them.
struct FactoredRmsCoefficients {
  float beta, one_minus_beta;
  float row_eps, col_eps;      // eps times the number of terms of each sum
  float row_terms, col_terms;  // the divisors of the means: shape[d0], shape[d1]
  int d0;                      // the axis (0 or 1) the row state is reduced over
  bool sum_u, sum_p;           // whether to take Σu² and Σp²
};

// g and p are [rows, cols]. With S0 = Σ over axis 0 of g² (length cols) and S1 = Σ over
// axis 1 (length rows), the row sum R is S0 when d0 = 0 (else S1), the column sum C the
// other; then, in float32, in the kit's op order:
//   row' = row·beta + ((R + row_eps)/row_terms)·(1−beta);  col' likewise from C
//   row_factor = rsqrt(row' / (Σrow' / |row'|));  col_factor = rsqrt(col')
//   u = (g·row_factor) · col_factor (each repeated along its reduced axis), stored
// sums[0] = Σu² (if sum_u), sums[1] = Σp² (if sum_p), else 0. Products round to float32;
// sums are float32 groups added in float64 on a grid fixed by the shape alone.
void factored_rms(const FactoredRmsCoefficients& k, int64_t rows, int64_t cols, const float* g, const float* p, const float* row,
                  const float* col, float* row_out, float* col_out, float* row_factor, float* col_factor, float* u, float sums[2]);

// Adafactor's scaling step (the kit's scaleByFactoredRms with its clipping and relative
// step size) for every parameter of a step in one call.
struct FactoredRmsStepOptions {
  double beta, one_minus_beta, eps, clip, param_scale;
  bool clipped, scaled;  // clip finite (take Σu²), param_scale set (take Σp²)
};

// One parameter, viewed as [rows, cols]. d0 0 or 1: factored as factored_rms() (row and
// col its states, row_out and col_out their new values); d0 −1: the full average, row
// its state v and row_out v' (col and col_out unused). u gets the scaled gradient and
// factor[0] the scalar that u is multiplied by (see factored_rms_factor).
struct FactoredRmsParam {
  int64_t rows, cols;
  int d0;
  const float *g, *p, *row, *col;
  float *row_out, *col_out, *u, *factor;
};

// The float32 scalar of the kit's program after u: with m(x) = mean in float32 ops,
// scale = max(√m(p²), param_scale) and denominator = max(√m(u²)/clip, 1),
// scale/denominator, 1/denominator, scale or 1 as `clipped` and `scaled` say.
float factored_rms_factor(float sum_u, float sum_p, int64_t size, float clip, float param_scale, bool clipped, bool scaled);

// Every parameter's step: the matrices' first passes and the full averages share one
// job of the pool, their second passes another. Each parameter's outputs and sums have
// the bits of its own call (factored_rms(), or the kit's program for a full average).
void factored_rms_step(const FactoredRmsStepOptions& o, const std::vector<FactoredRmsParam>& params);

// Adds `factoredRms` and `factoredRmsStep` to the addon's exports.
void define_factored_rms_kernels(napi_env env, napi_value exports);

}  // namespace algobench
