// Several dot products of float32 tensors in one pass over memory: the norms, inner
// products and cosines an optimizer rule needs per tensor (LAMB's trust ratio) or per
// column (AdamP's per-channel projection), on both threads.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <functional>
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

// The column sums' grid, DOTS_KERNEL's and ADAM_MOMENTS_DOTS_KERNEL's per column alike:
// rows in (at most) kColumnChunks chunks (few, so the partials, chunks × pairs × cols
// doubles, stay in cache; 16 still spread evenly over 2, 4 or 8 threads), each chunk in
// groups of kColumnGroup rows whose products are summed in float32 in row order, each
// group's sum added to the column's float64 partial (every product in float64 made the
// pass compute-bound), taken in blocks of kColumnBlock columns (8 rows of a block of
// each input stay in L1 across the pairs).
constexpr int64_t kColumnChunks = 16;
constexpr int kColumnGroup = 8;
constexpr int64_t kColumnBlock = 256;

// One step of that grid: for each pair k of indices into x, part[k·cols + c] += the sum
// over rows [row, row + group) of x[a_k][r·cols + c]·x[b_k][r·cols + c], for c in
// [c0, c0 + w), with group kColumnGroup (summed in float32, added in float64) or 1.
void column_block_sums(const std::vector<const float*>& x, const std::vector<int32_t>& pairs, int64_t row, int group, int64_t cols,
                       int64_t c0, int64_t w, double* part);

// Runs run_chunk(c) for every chunk c in [0, chunks): in `parts` contiguous ranges on the
// pool's threads, or all in order on this one where parts <= 1. Each chunk writes its own
// partials, so the split does not change a result.
void run_chunks(int64_t chunks, int parts, const std::function<void(int64_t)>& run_chunk);

// The column sums' last step: out[q][j] = the chunks' float64 partials
// partial[(c·k + q)·cols + j] added in chunk order, rounded once to float32.
void fold_column_partials(const std::vector<double>& partial, int64_t chunks, size_t k, int64_t cols, const std::vector<float*>& out);

// SAM's perturbed point of every tensor of a model in one call (Foret et al. 2021, as
// davda54/sam computes it): with s = g (SAM) or |p|·g (ASAM, `adaptive`), elementwise,
// norm = √(Σ s² over every element of every tensor) and f = rho / (norm + eps),
// out[i] = p[i] + (g·f), or p[i] + (((p·p)·g)·f) for ASAM, each op rounded to float32
// (as the kit's elementwise program computes them). Σ s²: each s² rounded to float32,
// summed in float64 over chunks of each tensor fixed by the sizes alone (not by the
// thread count), the chunks' partials added in tensor then chunk order, rounded once to
// float32; the norm's root, eps's sum and rho's quotient are float32 ops. Answers the norm.
// From 2^22 elements in all, p′ is written with non-temporal stores (the same bits).
float sam_perturb(const std::vector<const float*>& p, const std::vector<const float*>& g, const std::vector<int64_t>& sizes,
                  const std::vector<float*>& out, float rho, float eps, bool adaptive);

// Adds `dots` and `samPerturb` to the addon's exports.
void define_dots_kernels(napi_env env, napi_value exports);

}  // namespace algobench
