// dots(): sums of products over the rows of a [rows, cols] view, one pass for all pairs;
// sam_perturb(): SAM's global gradient norm and perturbed point of every tensor in one call.
#include "dots.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#if defined(__AVX__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "napi_args.h"
#include "parallel.h"
#include "split.h"
#include "vector_width.h"

// Every product and sum rounds on its own, as the tfjs ops and the elementwise program
// do: no contraction into fused multiply-adds (GCC contracts by default in C++).
#pragma GCC optimize("fp-contract=off")

namespace algobench {

namespace {

// The fixed grid: whole-tensor sums in chunks of kChunkElements elements, column sums in
// (at most) kColumnChunks chunks of whole rows (dots.h). Each chunk's partial sums are
// taken in element order by one thread, and the chunks' partials are added in chunk order.
constexpr int64_t kChunkElements = 1 << 15;

// Σ a[t]·b[t] for t < len, products in float32, sums in float64 over 8 lanes (so the
// loop vectorises), folded in a fixed order.
double lane_dot(const float* __restrict a, const float* __restrict b, int64_t len) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t t = 0;
  for (; t + 8 <= len; t += 8)
    for (int l = 0; l < 8; ++l) acc[l] += (double)(a[t + l] * b[t + l]);
  for (; t < len; ++t) acc[t & 7] += (double)(a[t] * b[t]);
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// acc[c] += Σ_{i<R} a[i·stride + c]·b[i·stride + c] for c < cols, the R products
// summed in float32 in row order, the sum added in float64.
template <int R>
void rows_dot(const float* __restrict a, const float* __restrict b, int64_t stride, double* __restrict acc, int64_t cols) {
  for (int64_t c = 0; c < cols; ++c) {
    float s = a[c] * b[c];
    for (int i = 1; i < R; ++i) {
      const float prod = a[i * stride + c] * b[i * stride + c];
      s = s + prod;
    }
    acc[c] += (double)s;
  }
}

// Σ s[t]² for t < len, s = g[t] or, for ASAM, |p[t]|·g[t] (each op in float32), the
// squares summed in float64 over 32 lanes (several independent vector chains, so the
// adds do not wait on each other), folded pairwise in a fixed order. With AVX-512 the
// 32 lanes are four registers of 8 doubles, lane l element l % 8 of register l / 8, so
// each lane sees the same squares in the same order: as a plain double[32] the compiler
// kept them on the stack, each add waiting on the store before it, and converted
// through 128-bit halves.
template <bool kAdaptive>
double lane_squares(const float* __restrict p, const float* __restrict g, int64_t len) {
  double acc[32] = {};
  int64_t t = 0;
#ifdef __AVX512F__
  __m512d v[4] = {_mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd()};
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (; t + 32 <= len; t += 32)
    for (int j = 0; j < 4; ++j) {
      __m256 s = _mm256_loadu_ps(g + t + 8 * j);
      if (kAdaptive) s = _mm256_mul_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(p + t + 8 * j)), s);  // |p|·g
      v[j] = _mm512_add_pd(v[j], _mm512_cvtps_pd(_mm256_mul_ps(s, s)));
    }
  for (int j = 0; j < 4; ++j) _mm512_storeu_pd(acc + 8 * j, v[j]);
#else
  for (; t + 32 <= len; t += 32)
    for (int l = 0; l < 32; ++l) {
      const float s = kAdaptive ? std::fabs(p[t + l]) * g[t + l] : g[t + l];
      acc[l] += (double)(s * s);
    }
#endif
  for (; t < len; ++t) {
    const float s = kAdaptive ? std::fabs(p[t]) * g[t] : g[t];
    acc[t & 31] += (double)(s * s);
  }
  for (int w = 16; w >= 1; w /= 2)
    for (int l = 0; l < w; ++l) acc[l] += acc[l + w];
  return acc[0];
}

// out[i] = p[i] + g[i]·f, or p[i] + ((p[i]·p[i])·g[i])·f, for i in [i0, i1).
template <bool kAdaptive>
void perturb_range(const float* __restrict p, const float* __restrict g, float* __restrict out, float f, int64_t i0, int64_t i1) {
  for (int64_t i = i0; i < i1; ++i) {
    const float d = kAdaptive ? (p[i] * p[i]) * g[i] : g[i];
    out[i] = p[i] + d * f;
  }
}

// From this many elements in all, the perturbed point is written with non-temporal
// stores: an output this large leaves the caches anyway, and a plain store first reads
// every line it writes (a fifth pass over memory on top of Σs², p, g and p′).
constexpr int64_t kStreamElements = int64_t{1} << 22;

// perturb_range with the same float32 ops, the aligned middle written by streaming stores.
template <bool kAdaptive>
void perturb_range_streaming(const float* __restrict p, const float* __restrict g, float* __restrict out, float f, int64_t i0, int64_t i1) {
#ifdef __AVX__
  int64_t i = i0;
  while (i < i1 && (reinterpret_cast<uintptr_t>(out + i) & 31) != 0) ++i;
  perturb_range<kAdaptive>(p, g, out, f, i0, i);
  const __m256 fv = _mm256_set1_ps(f);
  for (; i + 8 <= i1; i += 8) {
    const __m256 pv = _mm256_loadu_ps(p + i);
    __m256 d = _mm256_loadu_ps(g + i);
    if (kAdaptive) d = _mm256_mul_ps(_mm256_mul_ps(pv, pv), d);
    _mm256_stream_ps(out + i, _mm256_add_ps(pv, _mm256_mul_ps(d, fv)));
  }
  perturb_range<kAdaptive>(p, g, out, f, i, i1);
  _mm_sfence();  // the streamed lines are visible before this range counts as done
#else
  perturb_range<kAdaptive>(p, g, out, f, i0, i1);
#endif
}

}  // namespace

float sam_perturb(const std::vector<const float*>& p, const std::vector<const float*>& g, const std::vector<int64_t>& sizes,
                  const std::vector<float*>& out, float rho, float eps, bool adaptive) {
  // The sum's grid: each tensor in chunks of kChunkElements elements, in tensor order.
  struct Chunk {
    size_t tensor;
    int64_t lo, len;
  };
  const size_t k = sizes.size();
  std::vector<Chunk> chunks;
  std::vector<int64_t> start(k + 1, 0);
  for (size_t i = 0; i < k; ++i) {
    for (int64_t lo = 0; lo < sizes[i]; lo += kChunkElements) chunks.push_back({i, lo, std::min(kChunkElements, sizes[i] - lo)});
    start[i + 1] = start[i] + sizes[i];
  }
  const int64_t total = start[k];
  const int64_t count = (int64_t)chunks.size();
  std::vector<double> partial((size_t)count, 0.0);
  const bool threaded = total >= parallel_min_elements() && thread_count() > 1;
  run_chunks(count, threaded ? (int)std::min<int64_t>(count, 4 * thread_count()) : 1, [&](int64_t c) {
    const Chunk& q = chunks[(size_t)c];
    const float* pc = p[q.tensor] + q.lo;
    const float* gc = g[q.tensor] + q.lo;
    partial[(size_t)c] = adaptive ? lane_squares<true>(pc, gc, q.len) : lane_squares<false>(pc, gc, q.len);
  });
  double sum = 0.0;
  for (const double x : partial) sum += x;
  const float norm = std::sqrt((float)sum);
  const float f = rho / (norm + eps);
  // The perturbed point over all tensors' elements as one range, split between the threads.
  split_range(total, 3 * total, [&](int64_t lo, int64_t hi) {
    size_t i = (size_t)(std::upper_bound(start.begin(), start.end(), lo) - start.begin()) - 1;
    for (; i < k && start[i] < hi; ++i) {
      const int64_t a = std::max(lo, start[i]) - start[i], b = std::min(hi, start[i + 1]) - start[i];
      if (a >= b) continue;
      if (total >= kStreamElements) {
        if (adaptive) perturb_range_streaming<true>(p[i], g[i], out[i], f, a, b);
        else perturb_range_streaming<false>(p[i], g[i], out[i], f, a, b);
      } else if (adaptive) {
        perturb_range<true>(p[i], g[i], out[i], f, a, b);
      } else {
        perturb_range<false>(p[i], g[i], out[i], f, a, b);
      }
    }
  });
  return norm;
}

namespace {

// Half a vector of floats, and as many doubles.
constexpr int kHalf = kVectorWidth / 2;
typedef float halff __attribute__((vector_size(kHalf * sizeof(float))));
typedef double halfd __attribute__((vector_size(kHalf * sizeof(double))));

// rows_dot<kColumnGroup> of AdamP's four pairs over (a, b, c) = (g, W, u): ⟨a, b⟩, ‖a‖²,
// ‖b‖², ⟨b, c⟩, for the columns [0, w − w % kVectorWidth) of the block, a vector of
// columns at a time with the four sums in registers over the group's rows: each input is
// loaded once for the four pairs (rows_dot loads both inputs of every pair: 8 loads per
// element, which bound the pass; AVX-512, one thread, 1024x768: 0.27 -> 0.18 ms), and the
// sums are rows_dot's (the same float32 products, added in row order, then added to the
// float64 partial). Answers the columns done.
int64_t adamp_group_sums(const float* __restrict a, const float* __restrict b, const float* __restrict c, int64_t stride, double* __restrict part,
                         int64_t part_stride, int64_t w) {
  const int64_t done = w - w % kVectorWidth;
  for (int64_t j = 0; j < done; j += kVectorWidth) {
    vecf s[4];
    for (int i = 0; i < kColumnGroup; ++i) {
      vecf x, y, z;
      __builtin_memcpy(&x, a + i * stride + j, sizeof x);
      __builtin_memcpy(&y, b + i * stride + j, sizeof y);
      __builtin_memcpy(&z, c + i * stride + j, sizeof z);
      const vecf xy = x * y, xx = x * x, yy = y * y, yz = y * z;
      if (i == 0) {
        s[0] = xy, s[1] = xx, s[2] = yy, s[3] = yz;
      } else {
        s[0] = s[0] + xy, s[1] = s[1] + xx, s[2] = s[2] + yy, s[3] = s[3] + yz;
      }
    }
    // Each lane widened and added to its float64 partial, half a vector at a time (lane
    // by lane, GCC extracted, widened, added and stored each lane on its own: a third of
    // the pass). The same additions, one per lane.
    for (int q = 0; q < 4; ++q) {
      double* __restrict at = part + q * part_stride + j;
      for (int h = 0; h < 2; ++h) {
        halff x;
        halfd total;
        __builtin_memcpy(&x, reinterpret_cast<const float*>(&s[q]) + h * kHalf, sizeof x);
        __builtin_memcpy(&total, at + h * kHalf, sizeof total);
        total += __builtin_convertvector(x, halfd);
        __builtin_memcpy(at + h * kHalf, &total, sizeof total);
      }
    }
  }
  return done;
}

}  // namespace

void column_block_sums(const std::vector<const float*>& x, const std::vector<int32_t>& pairs, int64_t row, int group, int64_t cols,
                       int64_t c0, int64_t w, double* part) {
  // AdamP's pairs over (g, W, u), the kit's only caller with four: each input loaded once.
  if (group == kColumnGroup && pairs.size() == 8 && x.size() >= 3 && pairs[0] == 0 && pairs[1] == 1 && pairs[2] == 0 && pairs[3] == 0 &&
      pairs[4] == 1 && pairs[5] == 1 && pairs[6] == 1 && pairs[7] == 2) {
    const int64_t at = row * cols + c0;
    const int64_t done = adamp_group_sums(x[0] + at, x[1] + at, x[2] + at, cols, part + c0, cols, w);
    c0 += done;
    w -= done;
    if (w == 0) return;
  }
  for (size_t p = 0; p < pairs.size() / 2; ++p) {
    const float* a = x[pairs[2 * p]] + row * cols + c0;
    const float* b = x[pairs[2 * p + 1]] + row * cols + c0;
    if (group == kColumnGroup) rows_dot<kColumnGroup>(a, b, cols, part + p * cols + c0, w);
    else rows_dot<1>(a, b, cols, part + p * cols + c0, w);
  }
}

void run_chunks(int64_t chunks, int parts, const std::function<void(int64_t)>& run_chunk) {
  if (parts <= 1) {
    for (int64_t c = 0; c < chunks; ++c) run_chunk(c);
    return;
  }
  parallel_for(parts, [&](int t) {
    for (int64_t c = chunks * t / parts; c < chunks * (t + 1) / parts; ++c) run_chunk(c);
  });
}

void fold_column_partials(const std::vector<double>& partial, int64_t chunks, size_t k, int64_t cols, const std::vector<float*>& out) {
  std::vector<double> total((size_t)cols);
  for (size_t q = 0; q < k; ++q) {
    std::fill(total.begin(), total.end(), 0.0);
    for (int64_t c = 0; c < chunks; ++c) {
      const double* part = partial.data() + (c * k + q) * cols;
      for (int64_t j = 0; j < cols; ++j) total[j] += part[j];
    }
    for (int64_t j = 0; j < cols; ++j) out[q][j] = (float)total[j];
  }
}

void dots(const std::vector<const float*>& x, const std::vector<int32_t>& pairs, int64_t rows, int64_t cols,
          const std::vector<float*>& out, const std::vector<float*>& row_out) {
  const size_t k = pairs.size() / 2;
  if (k == 0 || cols < 1) return;
  if (rows == 0) {
    for (size_t p = 0; p < k; ++p) std::fill(out[p], out[p] + cols, 0.0f);
    return;
  }
  // Whole-tensor sums (one column) are taken over chunks of elements; column sums over
  // chunks of whole rows, and row sums (where asked) in the same pass, each row's sum
  // over its blocks of columns in float64 (a row is in one chunk, so it needs no merge).
  const bool with_rows = !row_out.empty();
  const bool whole = cols == 1 && !with_rows;
  std::vector<double> row_total(with_rows ? (size_t)(k * rows) : 0, 0.0);
  const int64_t n = rows * cols;
  const int64_t per_chunk = whole ? kChunkElements : (rows + kColumnChunks - 1) / kColumnChunks;
  const int64_t chunks = whole ? (n + per_chunk - 1) / per_chunk : (rows + per_chunk - 1) / per_chunk;
  std::vector<double> partial((size_t)(chunks * k * cols), 0.0);
  auto run_chunk = [&](int64_t c) {
    double* part = partial.data() + c * k * cols;
    if (whole) {
      const int64_t lo = c * per_chunk, len = std::min(n, lo + per_chunk) - lo;
      for (size_t p = 0; p < k; ++p) part[p] = lane_dot(x[pairs[2 * p]] + lo, x[pairs[2 * p + 1]] + lo, len);
      return;
    }
    const int64_t r1 = std::min(rows, (c + 1) * per_chunk);
    int64_t r = c * per_chunk;
    // A group's rows in blocks of columns, every pair over a block while it is in L1.
    for (; r + kColumnGroup <= r1; r += kColumnGroup)
      for (int64_t c0 = 0; c0 < cols; c0 += kColumnBlock) {
        const int64_t w = std::min(kColumnBlock, cols - c0);
        column_block_sums(x, pairs, r, kColumnGroup, cols, c0, w, part);
        if (with_rows)
          for (size_t p = 0; p < k; ++p) {
            const float* a = x[pairs[2 * p]] + r * cols + c0;
            const float* b = x[pairs[2 * p + 1]] + r * cols + c0;
            for (int i = 0; i < kColumnGroup; ++i) row_total[p * rows + r + i] += lane_dot(a + i * cols, b + i * cols, w);
          }
      }
    for (; r < r1; ++r) {
      column_block_sums(x, pairs, r, 1, cols, 0, cols, part);
      if (with_rows)
        for (size_t p = 0; p < k; ++p) row_total[p * rows + r] += lane_dot(x[pairs[2 * p]] + r * cols, x[pairs[2 * p + 1]] + r * cols, cols);
    }
  };
  run_chunks(chunks, (int)std::min<int64_t>(chunks, n * (int64_t)k >= (1 << 15) ? thread_count() : 1), run_chunk);
  fold_column_partials(partial, chunks, k, cols, out);
  if (with_rows)
    for (size_t p = 0; p < k; ++p)
      for (int64_t r = 0; r < rows; ++r) row_out[p][r] = (float)row_total[p * rows + r];
}

namespace {

// dots(inputs: Float32Array[], pairs: Int32Array, rows, cols, outputs: Float32Array[], rowOutputs?: Float32Array[])
napi_value Dots(napi_env env, napi_callback_info info) {
  NapiArgs args(env, info, "dots");
  std::vector<float*> in, out, row_out;
  std::vector<size_t> in_len, out_len, row_len;
  size_t pair_len = 0;
  args.float32_list(0, &in, &in_len);
  const int32_t* p = args.array<int32_t>(1, napi_int32_array, &pair_len);
  const int64_t rows = args.integer(2), cols = args.integer(3);
  args.float32_list(4, &out, &out_len);
  const bool by_row = !args.absent(5);
  if (by_row) args.float32_list(5, &row_out, &row_len);
  if (args.failed) return nullptr;
  if (rows < 0 || cols < 1 || pair_len % 2 != 0 || out.size() != pair_len / 2) return args.fail("rows ≥ 0, cols ≥ 1, and one output per pair of input indices"), nullptr;
  for (size_t i = 0; i < in.size(); ++i)
    if ((int64_t)in_len[i] != rows * cols) return args.fail("every input must hold rows·cols floats"), nullptr;
  for (size_t i = 0; i < out.size(); ++i)
    if ((int64_t)out_len[i] != cols) return args.fail("every output must hold cols floats"), nullptr;
  for (size_t i = 0; i < pair_len; ++i)
    if (p[i] < 0 || (size_t)p[i] >= in.size()) return args.fail("a pair names an input that is not there"), nullptr;
  if (by_row) {
    if (row_out.size() != out.size()) return args.fail("rowOutputs must hold one Float32Array per pair"), nullptr;
    for (size_t i = 0; i < row_out.size(); ++i)
      if ((int64_t)row_len[i] != rows) return args.fail("every row output must hold rows floats"), nullptr;
  }
  std::vector<const float*> x(in.begin(), in.end());
  dots(x, std::vector<int32_t>(p, p + pair_len), rows, cols, out, row_out);
  return nullptr;
}

// samPerturb(params: Float32Array[], grads: Float32Array[], outputs: Float32Array[], rho, eps, adaptive) → the norm
napi_value SamPerturb(napi_env env, napi_callback_info info) {
  NapiArgs args(env, info, "samPerturb");
  std::vector<float*> ps, gs, outs;
  std::vector<size_t> p_len, g_len, out_len;
  args.float32_list(0, &ps, &p_len);
  args.float32_list(1, &gs, &g_len);
  args.float32_list(2, &outs, &out_len);
  const double rho = args.number(3), eps = args.number(4);
  const bool adaptive = args.flag(5);
  if (args.failed) return nullptr;
  if (gs.size() != ps.size() || outs.size() != ps.size()) return args.fail("one gradient and one output per parameter"), nullptr;
  std::vector<int64_t> sizes;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (g_len[i] != p_len[i] || out_len[i] != p_len[i]) return args.fail("each gradient and output must have its parameter's length"), nullptr;
    sizes.push_back((int64_t)p_len[i]);
  }
  const float norm = sam_perturb(std::vector<const float*>(ps.begin(), ps.end()), std::vector<const float*>(gs.begin(), gs.end()), sizes, outs,
                                 (float)rho, (float)eps, adaptive);
  napi_value result;
  napi_create_double(env, norm, &result);
  return result;
}

}  // namespace

void define_dots_kernels(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"dots", nullptr, Dots, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"samPerturb", nullptr, SamPerturb, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace algobench
