// adam_moments_dots(): Adam's step and LAMB's Σu², Σu·p, Σp² in one threaded pass, so that
// the trust ratio costs no second read of u and p. Adam's step is adam_range
// (elementwise.h), the very function adam_moments runs, so u has its bits; the sums are taken per chunk while the
// chunk's u and p are still in cache.
#include "adam_dots.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "dots.h"
#include "elementwise.h"
#include "napi_args.h"
#include "parallel.h"

namespace algobench {

namespace {

// The fixed grid: chunks of kChunk elements. In a chunk, each sum over kLanes lanes: a
// lane's products of kGroup consecutive blocks (kLanes·kGroup elements) summed in
// float32 in order, that group sum added to the lane's float64 total (products added
// straight to float64 made the pass compute-bound, ~3× Adam's step alone); the lanes
// folded in a fixed order, the chunks added in chunk order. So the sums agree with a
// float64 sum of the float32 products to about 8 float32 roundings of a group's sum.
constexpr int64_t kChunk = 1 << 14;
constexpr int kLanes = 16;
constexpr int kGroup = 8;


// Σu², Σu·p, Σp² over [i0, i1): products rounded to float32, summed as the grid says.
// Products round on their own (no contraction into fused multiply-adds), as the spec says.
__attribute__((optimize("fp-contract=off"))) void chunk_sums(const float* __restrict u, const float* __restrict p, int64_t i0, int64_t i1, double out[3]) {
  double uu[kLanes] = {}, up[kLanes] = {}, pp[kLanes] = {};
  int64_t i = i0;
  for (; i + kLanes * kGroup <= i1; i += kLanes * kGroup) {
    float su[kLanes], sp[kLanes], sq[kLanes];
    for (int l = 0; l < kLanes; ++l) {
      const float a = u[i + l], b = p[i + l];
      su[l] = a * a;
      sp[l] = a * b;
      sq[l] = b * b;
    }
    for (int j = 1; j < kGroup; ++j)
      for (int l = 0; l < kLanes; ++l) {
        const float a = u[i + j * kLanes + l], b = p[i + j * kLanes + l];
        su[l] = su[l] + a * a;
        sp[l] = sp[l] + a * b;
        sq[l] = sq[l] + b * b;
      }
    for (int l = 0; l < kLanes; ++l) {
      uu[l] += (double)su[l];
      up[l] += (double)sp[l];
      pp[l] += (double)sq[l];
    }
  }
  // The chunk's last (fewer than kLanes·kGroup) elements: each product straight to its lane.
  for (int l = 0; i < i1; ++i, l = (l + 1) % kLanes) {
    const float a = u[i], b = p[i];
    const float aa = a * a, ab = a * b, bb = b * b;
    uu[l] += (double)aa;
    up[l] += (double)ab;
    pp[l] += (double)bb;
  }
  double* acc[3] = {uu, up, pp};
  for (int s = 0; s < 3; ++s) {
    double* x = acc[s];
    for (int w = kLanes / 2; w >= 1; w /= 2)
      for (int l = 0; l < w; ++l) x[l] = x[l] + x[l + w];
    out[s] = x[0];
  }
}

// AdamP's pairs ⟨g, p⟩, ‖g‖², ‖p‖², ⟨p, u⟩ over kColumnGroup rows of w columns (rows
// `stride` apart): per column, the rows' float32 products summed in float32 in row
// order, that sum added to the column's float64 partial (part + q·cols for pair q),
// as dots.cc's rows_dot does pair by pair; here g, p and u are loaded once for all four.
__attribute__((optimize("fp-contract=off"))) void adamp_rows(const float* __restrict g, const float* __restrict p, const float* __restrict u,
                                                             int64_t stride, double* __restrict part, int64_t cols, int64_t w) {
  double* __restrict a0 = part;
  double* __restrict a1 = part + cols;
  double* __restrict a2 = part + 2 * cols;
  double* __restrict a3 = part + 3 * cols;
  for (int64_t c = 0; c < w; ++c) {
    float gp = g[c] * p[c], gg = g[c] * g[c], pp = p[c] * p[c], pu = p[c] * u[c];
    for (int i = 1; i < kColumnGroup; ++i) {
      const float gi = g[i * stride + c], pi = p[i * stride + c], ui = u[i * stride + c];
      const float x0 = gi * pi, x1 = gi * gi, x2 = pi * pi, x3 = pi * ui;
      gp = gp + x0;
      gg = gg + x1;
      pp = pp + x2;
      pu = pu + x3;
    }
    a0[c] += (double)gp;
    a1[c] += (double)gg;
    a2[c] += (double)pp;
    a3[c] += (double)pu;
  }
}

}  // namespace

void adam_moments_dots(const AdamCoefficients& k, int64_t n, const float* g, const float* m, const float* v, const float* p,
                       float* m_out, float* v_out, float* update, float sums[3]) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> partial((size_t)(3 * chunks), 0.0);
  auto run = [&](int64_t c) {
    const int64_t i0 = c * kChunk, i1 = std::min(n, i0 + kChunk);
    if (k.nesterov) adam_range<true>(k, i0, i1, g, m, v, m_out, v_out, update);
    else adam_range<false>(k, i0, i1, g, m, v, m_out, v_out, update);
    chunk_sums(update, p, i0, i1, partial.data() + 3 * c);
  };
  // Four parts per thread (as split_range): on a loaded machine the caller takes the
  // rest of a descheduled worker's share.
  const int parts = n >= (1 << 15) && thread_count() > 1 ? (int)std::min<int64_t>(4 * thread_count(), chunks) : 1;
  run_chunks(chunks, parts, run);
  for (int s = 0; s < 3; ++s) {
    double total = 0;
    for (int64_t c = 0; c < chunks; ++c) total += partial[3 * c + s];
    sums[s] = (float)total;
  }
}

void adam_moments_column_dots(const AdamCoefficients& k, int64_t rows, int64_t cols, const float* g, const float* m, const float* v,
                              const float* p, float* m_out, float* v_out, float* update, const std::vector<int32_t>& pairs,
                              const std::vector<float*>& out) {
  const size_t np = pairs.size() / 2;
  const std::vector<const float*> x = {g, p, update};
  if (cols == 1 || np == 0) {
    // One column is DOTS_KERNEL's whole-sum grid, not its column grid: the two kernels
    // one after the other (two passes; AdamP's weights have more than one channel).
    adam_moments(k, rows * cols, g, m, v, m_out, v_out, update);
    if (np > 0) dots(x, pairs, rows, cols, out, {});
    return;
  }
  auto adam = [&](int64_t i0, int64_t i1) {
    if (k.nesterov) adam_range<true>(k, i0, i1, g, m, v, m_out, v_out, update);
    else adam_range<false>(k, i0, i1, g, m, v, m_out, v_out, update);
  };
  const int64_t per_chunk = std::max<int64_t>(1, (rows + kColumnChunks - 1) / kColumnChunks);
  const int64_t chunks = (rows + per_chunk - 1) / per_chunk;
  std::vector<double> partial((size_t)(chunks * np * cols), 0.0);
  // DOTS_KERNEL's column loop (dots.cc), with Adam's step of each group of kColumnGroup
  // rows just before the group's sums, so that u, g and p are read from cache, not
  // memory. Adam's step runs over the group's rows as one contiguous range: a step per
  // 256-column block of each row (8 short strided streams per array) took ~1.5x the
  // time of one linear pass. AdamP's four pairs take one loop that reads g, p and u once
  // for all four (adamp_rows); each column's sums see the same float32 products and
  // additions in the same order as dots.cc's, so the bits are DOTS_KERNEL's either way.
  const bool adamp_pairs = pairs == std::vector<int32_t>{0, 1, 0, 0, 1, 1, 1, 2};
  auto run_chunk = [&](int64_t c) {
    double* part = partial.data() + c * np * cols;
    const int64_t r1 = std::min(rows, (c + 1) * per_chunk);
    int64_t r = c * per_chunk;
    for (; r + kColumnGroup <= r1; r += kColumnGroup) {
      adam(r * cols, (r + kColumnGroup) * cols);
      for (int64_t c0 = 0; c0 < cols; c0 += kColumnBlock) {
        const int64_t w = std::min(kColumnBlock, cols - c0);
        if (adamp_pairs) {
          const int64_t at = r * cols + c0;
          adamp_rows(g + at, p + at, update + at, cols, part + c0, cols, w);
        } else {
          column_block_sums(x, pairs, r, kColumnGroup, cols, c0, w, part);
        }
      }
    }
    for (; r < r1; ++r) {
      adam(r * cols, (r + 1) * cols);
      column_block_sums(x, pairs, r, 1, cols, 0, cols, part);
    }
  };
  const int64_t n = rows * cols;
  run_chunks(chunks, (int)std::min<int64_t>(chunks, n >= (1 << 15) ? thread_count() : 1), run_chunk);
  fold_column_partials(partial, chunks, np, cols, out);
}

namespace {

// The elementwise program's max (JavaScript's Math.max on float32): NaN wins, +0 over −0.
inline float js_max(float a, float b) {
  if (a != a || b != b) return std::numeric_limits<float>::quiet_NaN();
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

// |cos| from x·y, ‖x‖², ‖y‖², as the kit's `cosine`: |x·y / (max(√xx, eps)·max(√yy, eps))|.
inline float abs_cosine(float dot, float xx, float yy, float eps) {
  const float den = js_max(std::sqrt(xx), eps) * js_max(std::sqrt(yy), eps);
  return std::fabs(dot / den);
}

}  // namespace

// Every float32 op rounds on its own, as the programs' ops do.
__attribute__((optimize("fp-contract=off"))) void adamp_column_step(const AdamCoefficients& k, const AdamPProjection& o, int64_t rows,
                                                                    int64_t cols, const float* g, const float* m, const float* v,
                                                                    const float* p, float* m_out, float* v_out, float* update,
                                                                    float* factor) {
  // (0 g, 1 W, 2 u): ⟨g, W⟩, ‖g‖², ‖W‖², ⟨W, u⟩.
  static const std::vector<int32_t> kPairs = {0, 1, 0, 0, 1, 1, 1, 2};
  std::vector<float> sums((size_t)(4 * cols));
  float* pg = sums.data();
  float* gg = pg + cols;
  float* pp = gg + cols;
  float* pu = pp + cols;
  adam_moments_column_dots(k, rows, cols, g, m, v, p, m_out, v_out, update, kPairs, {pg, gg, pp, pu});
  // The channel program: each channel's k_c = ⟨W_c, u_c⟩/(‖W_c‖ + eps)² (into factor for
  // now), whether its cosine is not under the threshold, and the layer's totals, each a
  // float64 sum of the float32 values rounded once.
  const float eps = o.eps;
  double misses = 0, total_pg = 0, total_gg = 0, total_pp = 0, total_pu = 0;
  for (int64_t c = 0; c < cols; ++c) {
    const float not_under = 1.0f - (abs_cosine(pg[c], gg[c], pp[c], eps) < o.channel_threshold ? 1.0f : 0.0f);
    const float norm = std::sqrt(pp[c]) + eps;
    factor[c] = pu[c] / (norm * norm);
    misses += not_under;
    total_pg += pg[c];
    total_gg += gg[c];
    total_pp += pp[c];
    total_pu += pu[c];
  }
  // The branch program: the channel view if no channel missed, else the layer view if its
  // cosine is under its threshold, else no projection; the decay scaled by wdRatio if either.
  const float channel_hit = (float)misses == 0.0f ? 1.0f : 0.0f;
  const float layer_hit = abs_cosine((float)total_pg, (float)total_gg, (float)total_pp, eps) < o.layer_threshold ? 1.0f : 0.0f;
  const float layer_norm = std::sqrt((float)total_pp) + eps;
  const float layer_k = (float)total_pu / (layer_norm * layer_norm);
  const float ratio = js_max(channel_hit, layer_hit) != 0.0f ? o.wd_ratio : 1.0f;
  const float decay = ratio * o.wd;
  for (int64_t c = 0; c < cols; ++c) {
    const float radial = channel_hit != 0.0f ? factor[c] : (layer_hit != 0.0f ? layer_k : 0.0f);
    factor[c] = o.wd == 0.0f ? -radial : decay - radial;
  }
}

namespace {

// The first 7 arguments of every entry point here: g, m, v, p and the outputs mOut, vOut,
// update, all Float32Arrays of one length (returned; 0 after a failure).
size_t moments_operands(NapiArgs& args, float* f[7]) {
  size_t len[7];
  for (int i = 0; i < 7; ++i) f[i] = args.floats(i, &len[i]);
  if (args.failed) return 0;
  for (int i = 1; i < 7; ++i)
    if (len[i] != len[0]) return args.fail("g, m, v, p and the three outputs must have one length"), 0;
  return len[0];
}

// Adam's coefficients (adamMoments'): b1, 1−b1, b2, 1−b2, eps, c1, c2, nesterov (0/1), look_m, look_g.
bool adam_coefficients(NapiArgs& args, size_t i, AdamCoefficients* k) {
  size_t n = 0;
  const double* c = args.array<double>(i, napi_float64_array, &n);
  if (c == nullptr) return false;
  if (n != 10) return args.fail("coefficients must be a Float64Array of 10"), false;
  *k = AdamCoefficients{(float)c[0], (float)c[1], (float)c[2], (float)c[3], (float)c[4], (float)c[5], (float)c[6], c[7] != 0, (float)c[8], (float)c[9]};
  return true;
}

// adamMomentsDots(g, m, v, p, mOut, vOut, update, sums: Float32Array[3], coefficients: Float64Array[10])
napi_value AdamMomentsDots(napi_env env, napi_callback_info info) {
  NapiArgs args(env, info, "adamMomentsDots");
  float* f[7];
  const size_t n = moments_operands(args, f);
  size_t sums_len = 0;
  float* sums = args.floats(7, &sums_len);
  AdamCoefficients k;
  if (!adam_coefficients(args, 8, &k) || args.failed) return nullptr;
  if (sums_len != 3) return args.fail("sums must hold 3 floats"), nullptr;
  adam_moments_dots(k, (int64_t)n, f[0], f[1], f[2], f[3], f[4], f[5], f[6], sums);
  return nullptr;
}

// adamMomentsColumnDots(g, m, v, p, mOut, vOut, update, pairs: Int32Array, cols, outputs: Float32Array[], coefficients: Float64Array[10])
napi_value AdamMomentsColumnDots(napi_env env, napi_callback_info info) {
  NapiArgs args(env, info, "adamMomentsColumnDots");
  float* f[7];
  const size_t n = moments_operands(args, f);
  size_t pair_len = 0;
  const int32_t* pp = args.array<int32_t>(7, napi_int32_array, &pair_len);
  const int64_t cols = args.integer(8);
  std::vector<float*> out;
  std::vector<size_t> out_len;
  args.float32_list(9, &out, &out_len);
  AdamCoefficients k;
  if (!adam_coefficients(args, 10, &k) || args.failed) return nullptr;
  if (cols < 1 || (int64_t)n % cols != 0) return args.fail("cols must be a positive divisor of the length"), nullptr;
  if (pair_len % 2 != 0) return args.fail("pairs must list indices two by two"), nullptr;
  for (size_t i = 0; i < pair_len; ++i)
    if (pp[i] < 0 || pp[i] > 2) return args.fail("a pair index must be 0 (g), 1 (p) or 2 (the update)"), nullptr;
  if (out.size() != pair_len / 2) return args.fail("one output per pair"), nullptr;
  for (size_t i = 0; i < out.size(); ++i)
    if ((int64_t)out_len[i] != cols) return args.fail("every output must hold cols floats"), nullptr;
  adam_moments_column_dots(k, (int64_t)n / cols, cols, f[0], f[1], f[2], f[3], f[4], f[5], f[6], std::vector<int32_t>(pp, pp + pair_len), out);
  return nullptr;
}

// adampColumnStep(g, m, v, p, mOut, vOut, update, factor: Float32Array[cols], cols, projection: Float64Array[5], coefficients: Float64Array[10])
napi_value AdampColumnStep(napi_env env, napi_callback_info info) {
  NapiArgs args(env, info, "adampColumnStep");
  float* f[7];
  const size_t n = moments_operands(args, f);
  size_t factor_len = 0, plen = 0;
  float* factor = args.floats(7, &factor_len);
  const int64_t cols = args.integer(8);
  const double* q = args.array<double>(9, napi_float64_array, &plen);
  AdamCoefficients k;
  if (!adam_coefficients(args, 10, &k) || args.failed) return nullptr;
  if (cols < 1 || (int64_t)n % cols != 0) return args.fail("cols must be a positive divisor of the length"), nullptr;
  if ((int64_t)factor_len != cols) return args.fail("factor must hold cols floats"), nullptr;
  if (plen != 5) return args.fail("projection must be a Float64Array of 5 (channel threshold, layer threshold, eps, wdRatio, wd)"), nullptr;
  const AdamPProjection o{(float)q[0], (float)q[1], (float)q[2], (float)q[3], (float)q[4]};
  adamp_column_step(k, o, (int64_t)n / cols, cols, f[0], f[1], f[2], f[3], f[4], f[5], f[6], factor);
  return nullptr;
}

}  // namespace

void define_adam_dots_kernels(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"adamMomentsDots", nullptr, AdamMomentsDots, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamMomentsColumnDots", nullptr, AdamMomentsColumnDots, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adampColumnStep", nullptr, AdampColumnStep, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace algobench
