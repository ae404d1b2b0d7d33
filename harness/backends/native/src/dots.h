// Several dot products of float32 tensors in one pass over memory: the norms, inner
// products and cosines an optimizer rule needs per tensor (LAMB's trust ratio) or per
// column (AdamP's per-channel projection), on both threads.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <vector>

namespace algobench {

// For each pair k, out[k][c] = Σ_r x[a_k][r, c]·x[b_k][r, c] over a [rows, cols] view of
// arrays of rows·cols floats: each product rounded to float32 (as tf.mul then tf.sum
// take it), the sum in float64 over a chunk grid fixed by the shape alone (so the
// result does not depend on the thread count), rounded once to float32.
// Where `row_out` is not empty (one array of `rows` floats per pair), also the row sums
// row_out[k][r] = Σ_c x[a_k][r, c]·x[b_k][r, c], in the same pass, in float64.
void dots(const std::vector<const float*>& x, const std::vector<int32_t>& pairs, int64_t rows, int64_t cols,
          const std::vector<float*>& out, const std::vector<float*>& row_out);

// Adds `dots` to the addon's exports.
void define_dots_kernels(napi_env env, napi_value exports);

}  // namespace algobench
