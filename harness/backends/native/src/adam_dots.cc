// adam_moments_dots(): Adam's step and LAMB's Σu², Σu·p, Σp² in one threaded pass, so that
// the trust ratio costs no second read of u and p. Adam's step is adam_range
// (elementwise.h), the very function adam_moments runs, so u has its bits; the sums are taken per chunk while the
// chunk's u and p are still in cache.
#include "adam_dots.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "dots.h"
#include "elementwise.h"
#include "napi_args.h"
#include "parallel.h"
#include "split.h"

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


// The end of a chunk's three sums (Σu², Σu·p, Σp²), given each lane's float64 totals
// of the whole groups: the chunk's last (fewer than kLanes·kGroup) elements [i, i1),
// each product straight to its lane, then the lanes folded in their fixed order.
__attribute__((noinline, optimize("fp-contract=off"))) void tail_and_fold(const float* __restrict u, const float* __restrict p, int64_t i, int64_t i1,
                                                                double lanes[3][kLanes], double out[3]) {
  for (int l = 0; i < i1; ++i, l = (l + 1) % kLanes) {
    const float a = u[i], b = p[i];
    const float aa = a * a, ab = a * b, bb = b * b;
    lanes[0][l] += (double)aa;
    lanes[1][l] += (double)ab;
    lanes[2][l] += (double)bb;
  }
  for (int s = 0; s < 3; ++s) {
    double* x = lanes[s];
    for (int w = kLanes / 2; w >= 1; w /= 2)
      for (int l = 0; l < w; ++l) x[l] = x[l] + x[l + w];
    out[s] = x[0];
  }
}

// Σu², Σu·p, Σp² over [i0, i1): products rounded to float32, summed as the grid says.
// Products round on their own (no contraction into fused multiply-adds), as the spec says.
[[maybe_unused]] __attribute__((optimize("fp-contract=off"))) void chunk_sums(const float* __restrict u, const float* __restrict p, int64_t i0, int64_t i1, double out[3]) {
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
  double lanes[3][kLanes];
  for (int l = 0; l < kLanes; ++l) {
    lanes[0][l] = uu[l];
    lanes[1][l] = up[l];
    lanes[2][l] = pp[l];
  }
  tail_and_fold(u, p, i, i1, lanes, out);
}

#if defined(__AVX512F__)
typedef float Floats16 __attribute__((vector_size(64)));
typedef float Floats8 __attribute__((vector_size(32)));
typedef double Doubles8 __attribute__((vector_size(64)));

// x's value as it stands, rounded: the compiler may not fuse the product it holds into
// the addition that uses it (a multiply-add would round once, not twice).
#define ALGOBENCH_ROUNDED(x) asm("" : "+v"(x))

// Lanes 8h to 8h + 7 of a group sum, in float64.
template <int kHalf>
inline Doubles8 half_to_double(Floats16 s) {
  if (kHalf == 0) return __builtin_convertvector(__builtin_shufflevector(s, s, 0, 1, 2, 3, 4, 5, 6, 7), Doubles8);
  return __builtin_convertvector(__builtin_shufflevector(s, s, 8, 9, 10, 11, 12, 13, 14, 15), Doubles8);
}

// Adam's step over [i0, i1) and chunk_sums's three sums of that range in the same loop:
// each kLanes·kGroup block's u is summed from registers as it is computed, so the sums'
// multiplies and adds run beside Adam's divisions and root (which bound adam_range) and
// u and p are not read back. Adam's step is adam_range's expressions on 16 floats at a
// time (the same float32 ops, contracted alike: native_adam_dots checks m', v', u bit
// for bit against Adam's kernel); the sums are chunk_sums's products and additions in
// its order, each lane's 16 float64 totals in two vector registers (the compiler kept
// chunk_sums's double[16] on the stack and added lane by lane). The range's last
// (fewer than kLanes·kGroup) elements: adam_range, then chunk_sums's tail rule.
// One thread, 1024x768, min of 300: 1.35-1.45x adam_range alone, was 1.56-1.73x.
template <bool kNesterov>
__attribute__((noinline)) void adam_chunk_sums(const AdamCoefficients& k, int64_t i0, int64_t i1, const float* __restrict g,
                                              const float* __restrict m, const float* __restrict v, const float* __restrict p,
                                              float* __restrict m_out, float* __restrict v_out, float* __restrict update, double out[3]) {
  const Floats16 zero = {};
  const Floats16 b1 = zero + k.b1, one_minus_b1 = zero + k.one_minus_b1, b2 = zero + k.b2, one_minus_b2 = zero + k.one_minus_b2;
  const Floats16 c1 = zero + k.c1, c2 = zero + k.c2, eps = zero + k.eps, look_m = zero + k.look_m, look_g = zero + k.look_g;
  Doubles8 total[6] = {};  // Σu², Σu·p, Σp²: lanes 0-7, then 8-15
  int64_t i = i0;
  for (; i + kLanes * kGroup <= i1; i += kLanes * kGroup) {
    Floats16 su, sp, sq;
    for (int j = 0; j < kGroup; ++j) {
      const int64_t x = i + j * kLanes;
      Floats16 gi, mx, vx, b;
      __builtin_memcpy(&gi, g + x, sizeof gi);
      __builtin_memcpy(&mx, m + x, sizeof mx);
      __builtin_memcpy(&vx, v + x, sizeof vx);
      __builtin_memcpy(&b, p + x, sizeof b);
      const Floats16 mi = mx * b1 + gi * one_minus_b1;
      const Floats16 vi = vx * b2 + (gi * gi) * one_minus_b2;
      const Floats16 mhat = kNesterov ? mi * look_m + gi * look_g : mi / c1;
      const Floats16 a = mhat / ((Floats16)_mm512_maskz_sqrt_ps((__mmask16)0xFFFF, (__m512)(vi / c2)) + eps);
      __builtin_memcpy(m_out + x, &mi, sizeof mi);
      __builtin_memcpy(v_out + x, &vi, sizeof vi);
      __builtin_memcpy(update + x, &a, sizeof a);
      Floats16 aa = a * a, ab = a * b, bb = b * b;
      ALGOBENCH_ROUNDED(aa);
      ALGOBENCH_ROUNDED(ab);
      ALGOBENCH_ROUNDED(bb);
      if (j == 0) {
        su = aa;
        sp = ab;
        sq = bb;
      } else {
        su = su + aa;
        sp = sp + ab;
        sq = sq + bb;
      }
    }
    total[0] += half_to_double<0>(su);
    total[1] += half_to_double<1>(su);
    total[2] += half_to_double<0>(sp);
    total[3] += half_to_double<1>(sp);
    total[4] += half_to_double<0>(sq);
    total[5] += half_to_double<1>(sq);
  }
  if (i < i1) adam_range<kNesterov>(k, i, i1, g, m, v, m_out, v_out, update);
  double lanes[3][kLanes];
  for (int s = 0; s < 3; ++s)
    for (int l = 0; l < kLanes / 2; ++l) {
      lanes[s][l] = total[2 * s][l];
      lanes[s][l + kLanes / 2] = total[2 * s + 1][l];
    }
  tail_and_fold(update, p, i, i1, lanes, out);
}
#undef ALGOBENCH_ROUNDED
#endif

}  // namespace

namespace {

// One chunk [i0, i1) of a tensor: Adam's step and its three sums (the chunk's partials).
void adam_dots_chunk(const AdamCoefficients& k, int64_t i0, int64_t i1, const float* g, const float* m, const float* v, const float* p,
                     float* m_out, float* v_out, float* update, double out[3]) {
#if defined(__AVX512F__)
  if (k.nesterov) adam_chunk_sums<true>(k, i0, i1, g, m, v, p, m_out, v_out, update, out);
  else adam_chunk_sums<false>(k, i0, i1, g, m, v, p, m_out, v_out, update, out);
#else
  if (k.nesterov) adam_range<true>(k, i0, i1, g, m, v, m_out, v_out, update);
  else adam_range<false>(k, i0, i1, g, m, v, m_out, v_out, update);
  chunk_sums(update, p, i0, i1, out);
#endif
}

}  // namespace

void adam_moments_dots(const AdamCoefficients& k, int64_t n, const float* g, const float* m, const float* v, const float* p,
                       float* m_out, float* v_out, float* update, float sums[3]) {
  const AdamDotsTensor t{n, g, m, v, p, m_out, v_out, update};
  adam_moments_dots_many(k, {t}, sums);
}

void adam_moments_dots_many(const AdamCoefficients& k, const std::vector<AdamDotsTensor>& tensors, float* sums) {
  // Every tensor's chunks (its own grid), in tensor order, as one list for the pool.
  struct Chunk {
    size_t tensor;
    int64_t i0, i1;
  };
  std::vector<Chunk> chunks;
  int64_t total = 0;
  for (size_t t = 0; t < tensors.size(); ++t) {
    const int64_t n = tensors[t].n;
    for (int64_t i0 = 0; i0 < n; i0 += kChunk) chunks.push_back({t, i0, std::min(n, i0 + kChunk)});
    total += n;
  }
  const int64_t count = (int64_t)chunks.size();
  std::vector<double> partial((size_t)(3 * count), 0.0);
  auto run = [&](int64_t c) {
    const Chunk& q = chunks[(size_t)c];
    const AdamDotsTensor& x = tensors[q.tensor];
    adam_dots_chunk(k, q.i0, q.i1, x.g, x.m, x.v, x.p, x.m_out, x.v_out, x.update, partial.data() + 3 * c);
  };
  // Four parts per thread (as split_range): on a loaded machine the caller takes the
  // rest of a descheduled worker's share.
  const int parts = total >= (1 << 15) && thread_count() > 1 ? (int)std::min<int64_t>(4 * thread_count(), count) : 1;
  run_chunks(count, parts, run);
  // Each tensor's chunks added in chunk order, rounded once.
  int64_t c = 0;
  for (size_t t = 0; t < tensors.size(); ++t) {
    double total3[3] = {0, 0, 0};
    for (; c < count && chunks[(size_t)c].tensor == t; ++c)
      for (int s = 0; s < 3; ++s) total3[s] += partial[(size_t)(3 * c + s)];
    for (int s = 0; s < 3; ++s) sums[3 * t + s] = (float)total3[s];
  }
}

// The bytes of g, m, v, p and the three outputs that adam_moments_column_dots steps through
// before it takes their column sums: the sums then read g, p and u from L2.
constexpr int64_t kBlockBytes = 384 * 1024;

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
  // The chunks' float64 partials (16·pairs·cols doubles: 384 KiB for AdamP's 768 columns),
  // kept from call to call: a fresh allocation of that size is a fresh mapping whose pages
  // fault in on every call. Each chunk writes its own partials first.
  // (A local reference: the pool's threads must see this thread's buffer, not their own.)
  static thread_local std::vector<double> kept;
  std::vector<double>& partial = kept;
  partial.resize((size_t)(chunks * np * cols));
  // Each chunk: Adam's step over its rows (adam_range, so u has Adam's kernel's bits), then
  // DOTS_KERNEL's column loop over the same rows (column_block_sums, so the sums have its
  // bits) while g, p and u are still in this core's cache. One loop doing both, row by row
  // with the four sums in a 4·cols array (or with the rows of a group interleaved and the
  // sums in registers), was 2.3-3.5x Adam's step alone on one thread at 1024x768 on
  // AVX-512: the interleaved streams, not the arithmetic, bound it; Adam then the sums
  // (dots.cc's adamp_group_sums) is 2.0-2.6x.
  // Rows per block: a multiple of kColumnGroup (so a block's groups are the chunk's own, and
  // the sums' bits do not depend on it) of about kBlockBytes over the seven arrays.
  const int64_t block_rows = std::max<int64_t>(1, kBlockBytes / (7 * 4 * cols) / kColumnGroup) * kColumnGroup;
  auto run_chunk = [&](int64_t c) {
    double* part = partial.data() + c * np * cols;
    const int64_t r0 = c * per_chunk, r1 = std::min(rows, (c + 1) * per_chunk);
    std::fill(part, part + np * cols, 0.0);
    int64_t r = r0;
    while (r < r1) {
      // A block of rows whose seven arrays fit in this core's L2 with room to spare.
      const int64_t end = std::min(r1, r + block_rows);
      adam(r * cols, end * cols);
      for (; r + kColumnGroup <= end; r += kColumnGroup)
        for (int64_t c0 = 0; c0 < cols; c0 += kColumnBlock)
          column_block_sums(x, pairs, r, kColumnGroup, cols, c0, std::min(kColumnBlock, cols - c0), part);
      for (; r < end; ++r) column_block_sums(x, pairs, r, 1, cols, 0, cols, part);
    }
  };
  const int64_t n = rows * cols;
  // One task per chunk: the pool's threads take them in turn, so a descheduled worker
  // holds up one chunk, not half of them.
  run_chunks(chunks, (int)(n >= (1 << 15) ? chunks : 1), run_chunk);
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

// u ← u + W·factor over rows [r0, r1) of [rows, cols] (factor per column); the product
// and the sum each rounded to float32 (no fused multiply-add), as the program's two ops.
__attribute__((noinline, optimize("fp-contract=off"))) void adamp_step_rows(const float* __restrict p, const float* __restrict factor,
                                                                  float* __restrict update, int64_t r0, int64_t r1, int64_t cols) {
  for (int64_t r = r0; r < r1; ++r) {
    float* __restrict u = update + r * cols;
    const float* __restrict w = p + r * cols;
    for (int64_t c = 0; c < cols; ++c) u[c] = u[c] + w[c] * factor[c];
  }
}

}  // namespace

// Every float32 op rounds on its own, as the programs' ops do.
__attribute__((optimize("fp-contract=off"))) void adamp_column_step(const AdamCoefficients& k, const AdamPProjection& o, int64_t rows,
                                                                    int64_t cols, const float* g, const float* m, const float* v,
                                                                    const float* p, float* m_out, float* v_out, float* update,
                                                                    float* factor, bool step) {
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
  if (!step) return;
  // The step u + W·factor, row by row (the factor repeated along the rows), in place; on
  // the pool's threads where the first pass was (from 2^15 elements), not from 2^15
  // elements touched: a 256x64 weight's first pass runs on this thread, and waking the
  // pool for its 16384-element step cost more than the step.
  split_range(rows, rows * cols, [&](int64_t r0, int64_t r1) { adamp_step_rows(p, factor, update, r0, r1, cols); });
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

// adamMomentsDotsMany(gs, ms, vs, ps, mOuts, vOuts, updates: Float32Array[] (one per tensor each), sums: Float32Array[3·tensors], coefficients: Float64Array[10])
napi_value AdamMomentsDotsMany(napi_env env, napi_callback_info info) {
  NapiArgs args(env, info, "adamMomentsDotsMany");
  std::vector<float*> f[7];
  std::vector<size_t> len[7];
  for (int i = 0; i < 7; ++i) args.float32_list((size_t)i, &f[i], &len[i]);
  size_t sums_len = 0;
  float* sums = args.floats(7, &sums_len);
  AdamCoefficients k;
  if (!adam_coefficients(args, 8, &k) || args.failed) return nullptr;
  const size_t count = f[0].size();
  for (int i = 1; i < 7; ++i)
    if (f[i].size() != count) return args.fail("gs, ms, vs, ps and the three output lists must hold one array per tensor"), nullptr;
  std::vector<AdamDotsTensor> tensors;
  for (size_t t = 0; t < count; ++t) {
    for (int i = 1; i < 7; ++i)
      if (len[i][t] != len[0][t]) return args.fail("each tensor's g, m, v, p and outputs must have one length"), nullptr;
    tensors.push_back({(int64_t)len[0][t], f[0][t], f[1][t], f[2][t], f[3][t], f[4][t], f[5][t], f[6][t]});
  }
  if (sums_len != 3 * count) return args.fail("sums must hold 3 floats per tensor"), nullptr;
  adam_moments_dots_many(k, tensors, sums);
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

// adampColumnStep(g, m, v, p, mOut, vOut, update, factor: Float32Array[cols], cols, projection: Float64Array[5], coefficients: Float64Array[10]);
// adampStep: the same arguments, and `update` ends as the step u + p·factor.
template <bool kStep>
napi_value AdampColumnStep(napi_env env, napi_callback_info info) {
  NapiArgs args(env, info, kStep ? "adampStep" : "adampColumnStep");
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
  adamp_column_step(k, o, (int64_t)n / cols, cols, f[0], f[1], f[2], f[3], f[4], f[5], f[6], factor, kStep);
  return nullptr;
}

}  // namespace

void define_adam_dots_kernels(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"adamMomentsDots", nullptr, AdamMomentsDots, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamMomentsDotsMany", nullptr, AdamMomentsDotsMany, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamMomentsColumnDots", nullptr, AdamMomentsColumnDots, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adampColumnStep", nullptr, AdampColumnStep<false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adampStep", nullptr, AdampColumnStep<true>, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace algobench
