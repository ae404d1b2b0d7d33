// Adafactor's factored second moment of one matrix in one call (see factored_rms.cc).
#pragma once
#include <node_api.h>

#include <cstdint>

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

// Adds `factoredRms` to the addon's exports.
void define_factored_rms_kernels(napi_env env, napi_value exports);

}  // namespace algobench
