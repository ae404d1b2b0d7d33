// factored_rms(): Adafactor's factored second moment of a matrix (Shazeer & Stern 2018)
// in one call: a pass over g (and p) for the row and column sums of g² (and Σp²), the
// new row and column averages and their factors (O(rows + cols)), and a second pass
// over g for Σu², u = g·row_factor·col_factor, each factor read as one value per row
// or per column, never broadcast into a copy, u written (the two float32 products the
// kit's program would take). factored_rms_step(): that for every matrix of a step, the
// full average of every other parameter, and each one's scalar factor of u, in one call
// whose first passes share one job of the pool and whose second passes another.
#include "factored_rms.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <utility>
#include <string>
#include <vector>

#include "napi_args.h"
#include "parallel.h"

// Every product and sum rounds on its own, as the kit's programs do.
#pragma GCC optimize("fp-contract=off")

namespace algobench {

namespace {

// Rows per chunk of the grid: at most kChunks chunks of whole rows, a multiple of kGroup.
constexpr int64_t kChunks = 16;
// Column sums: kGroup rows' squares summed in float32 in row order, then added to float64.
constexpr int64_t kGroup = 8;
// Row sums: kLanes lanes, each summing kLaneGroup of its elements in float32, then float64.
constexpr int kLanes = 16;
constexpr int kLaneGroup = 8;

// The kLanes float32 lane sums added to their float64 totals: as acc[l] += (double)s[l]
// lane by lane (the same bits), in vector registers. Written as a plain loop, the
// compiler converted and added each lane on its own, which cost more than the squares.
typedef double LaneHalf __attribute__((vector_size(kLanes / 2 * sizeof(double))));
typedef float HalfFloats __attribute__((vector_size(kLanes / 2 * sizeof(float))));
inline void add_lanes(LaneHalf* acc, const float* s) {
  HalfFloats lo, hi;
  __builtin_memcpy(&lo, s, sizeof lo);
  __builtin_memcpy(&hi, s + kLanes / 2, sizeof hi);
  acc[0] += __builtin_convertvector(lo, LaneHalf);
  acc[1] += __builtin_convertvector(hi, LaneHalf);
}

// Lanes of float64 totals folded in a fixed order.
double fold(double* x) {
  for (int w = kLanes / 2; w >= 1; w /= 2)
    for (int l = 0; l < w; ++l) x[l] = x[l] + x[l + w];
  return x[0];
}

// Σ x[t]² for t < len.
double row_square_sum(const float* __restrict x, int64_t len) {
  LaneHalf lanes[2] = {};
  int64_t t = 0;
  for (; t + kLanes * kLaneGroup <= len; t += kLanes * kLaneGroup) {
    float s[kLanes];
    for (int l = 0; l < kLanes; ++l) s[l] = x[t + l] * x[t + l];
    for (int j = 1; j < kLaneGroup; ++j)
      for (int l = 0; l < kLanes; ++l) {
        const float a = x[t + j * kLanes + l];
        s[l] = s[l] + a * a;
      }
    add_lanes(lanes, s);
  }
  double acc[kLanes];
  __builtin_memcpy(acc, lanes, sizeof acc);
  for (int l = 0; t < len; ++t, l = (l + 1) % kLanes) {
    const float a = x[t] * x[t];
    acc[l] += (double)a;
  }
  return fold(acc);
}

// Σ ((x[t]·a)·b)² for t < len, the products in that order; a = a[t] and b one value
// (kRowVector), or a one value and b = b[t].
// Each u is stored in out[t].
template <bool kRowVector>
double row_scaled_square_sum(const float* __restrict x, const float* __restrict a, const float* __restrict b, float* __restrict out, int64_t len) {
  LaneHalf lanes[2] = {};
  const float a0 = a[0], b0 = b[0];
  auto u = [&](int64_t t) {
    const float v = kRowVector ? (x[t] * a[t]) * b0 : (x[t] * a0) * b[t];
    out[t] = v;
    return v;
  };
  int64_t t = 0;
  for (; t + kLanes * kLaneGroup <= len; t += kLanes * kLaneGroup) {
    float s[kLanes];
    for (int l = 0; l < kLanes; ++l) {
      const float v = u(t + l);
      s[l] = v * v;
    }
    for (int j = 1; j < kLaneGroup; ++j)
      for (int l = 0; l < kLanes; ++l) {
        const float v = u(t + j * kLanes + l);
        s[l] = s[l] + v * v;
      }
    add_lanes(lanes, s);
  }
  double acc[kLanes];
  __builtin_memcpy(acc, lanes, sizeof acc);
  for (int l = 0; t < len; ++t, l = (l + 1) % kLanes) {
    const float v = u(t);
    const float sq = v * v;
    acc[l] += (double)sq;
  }
  return fold(acc);
}

// The elementwise program's whole-tensor sum of a short vector: float64 over 8 lanes per
// block of 512, blocks added in order (program.cc's lane_sum and block loop), so that
// the row mean has the bits the kit's program path gives it.
double program_sum(const float* x, int64_t n) {
  constexpr int64_t kBlock = 512, kProgramChunk = 1 << 16;
  double total = 0;
  for (int64_t c0 = 0; c0 < n; c0 += kProgramChunk) {
    double part = 0;
    for (int64_t b0 = c0; b0 < std::min(n, c0 + kProgramChunk); b0 += kBlock) {
      const int64_t len = std::min(kBlock, n - b0);
      const float* y = x + b0;
      double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t t = 0;
      for (; t + 8 <= len; t += 8)
        for (int l = 0; l < 8; ++l) acc[l] += (double)y[t + l];
      for (; t < len; ++t) acc[t & 7] += (double)y[t];
      part += ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    }
    total += part;
  }
  return total;
}

// The cpu backend's rsqrt: 1 / Math.sqrt(x) in float64, rounded once.
inline float rsqrt(float x) { return (float)(1.0 / std::sqrt((double)x)); }

void run_chunks(int64_t chunks, int64_t work, const std::function<void(int64_t)>& run) {
  const int parts = work >= (1 << 15) && thread_count() > 1 ? (int)std::min<int64_t>(4 * thread_count(), chunks) : 1;
  if (parts <= 1) {
    for (int64_t c = 0; c < chunks; ++c) run(c);
    return;
  }
  parallel_for(parts, [&](int t) {
    for (int64_t c = chunks * t / parts; c < chunks * (t + 1) / parts; ++c) run(c);
  });
}

// The elementwise program's max (JavaScript's Math.max on float32): NaN wins, +0 over −0.
inline float js_max(float a, float b) {
  if (a != a || b != b) return std::numeric_limits<float>::quiet_NaN();
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

// One matrix of factored_rms(): its operands, its chunk grid (fixed by the shape) and
// the partial sums of its two passes, so that several matrices' chunks can share one
// job of the pool.
struct FactoredMatrix {
  FactoredRmsCoefficients k;
  int64_t rows, cols;
  const float *g, *p, *row, *col;
  float *row_out, *col_out, *row_factor, *col_factor, *u;
  int64_t per_chunk = 0, chunks = 0;
  std::vector<double> s1, s0_part, p_part, u_part;

  void prepare() {
    per_chunk = std::max<int64_t>(kGroup, ((rows + kChunks - 1) / kChunks + kGroup - 1) / kGroup * kGroup);
    chunks = rows == 0 ? 0 : (rows + per_chunk - 1) / per_chunk;
    s1.assign((size_t)rows, 0.0);
    s0_part.assign((size_t)(chunks * cols), 0.0);
    p_part.assign((size_t)chunks, 0.0);
    u_part.assign((size_t)chunks, 0.0);
  }

  // Pass 1 over chunk c: S1 (each row in one chunk), the chunk's partial S0 and Σp².
  void pass1(int64_t c) {
    const int64_t r1 = std::min(rows, (c + 1) * per_chunk);
    double* s0 = s0_part.data() + c * cols;
    std::vector<float> group((size_t)cols);
    for (int64_t r = c * per_chunk; r < r1; r += kGroup) {
      const int64_t n_rows = std::min(kGroup, r1 - r);
      const float* x = g + r * cols;
      for (int64_t j = 0; j < cols; ++j) group[j] = x[j] * x[j];
      for (int64_t i = 1; i < n_rows; ++i) {
        const float* y = x + i * cols;
        float* __restrict gs = group.data();
        for (int64_t j = 0; j < cols; ++j) {
          const float sq = y[j] * y[j];
          gs[j] = gs[j] + sq;
        }
      }
      for (int64_t j = 0; j < cols; ++j) s0[j] += (double)group[j];
      for (int64_t i = 0; i < n_rows; ++i) {
        s1[r + i] = row_square_sum(x + i * cols, cols);
        if (k.sum_p) p_part[c] += row_square_sum(p + (r + i) * cols, cols);
      }
    }
  }

  // The new averages and factors, in the kit's float32 ops.
  void factors() {
    std::vector<float> s0((size_t)cols), s1f((size_t)rows);
    for (int64_t j = 0; j < cols; ++j) {
      double t = 0;
      for (int64_t c = 0; c < chunks; ++c) t += s0_part[c * cols + j];
      s0[j] = (float)t;
    }
    for (int64_t r = 0; r < rows; ++r) s1f[r] = (float)s1[r];
    const bool row_is_s0 = k.d0 == 0;
    const std::vector<float>& row_sum = row_is_s0 ? s0 : s1f;
    const std::vector<float>& col_sum = row_is_s0 ? s1f : s0;
    const int64_t n_row = (int64_t)row_sum.size(), n_col = (int64_t)col_sum.size();
    for (int64_t i = 0; i < n_col; ++i) {
      const float mean = (col_sum[i] + k.col_eps) / k.col_terms;
      const float a = col[i] * k.beta, b = mean * k.one_minus_beta;
      col_out[i] = a + b;
      col_factor[i] = rsqrt(col_out[i]);
    }
    for (int64_t i = 0; i < n_row; ++i) {
      const float mean = (row_sum[i] + k.row_eps) / k.row_terms;
      const float a = row[i] * k.beta, b = mean * k.one_minus_beta;
      row_out[i] = a + b;
    }
    const float row_mean = (float)program_sum(row_out, n_row) / (float)n_row;
    for (int64_t i = 0; i < n_row; ++i) row_factor[i] = rsqrt(row_out[i] / row_mean);
  }

  // Pass 2 over chunk c: u = (g·row_factor)·col_factor, and Σu²; the row factor varies
  // along a row when the row state is reduced over axis 0, else the column factor does.
  void pass2(int64_t c) {
    const int64_t r1 = std::min(rows, (c + 1) * per_chunk);
    double t = 0;
    for (int64_t r = c * per_chunk; r < r1; ++r) {
      const float* x = g + r * cols;
      float* out = u + r * cols;
      t += k.d0 == 0 ? row_scaled_square_sum<true>(x, row_factor, col_factor + r, out, cols)
                     : row_scaled_square_sum<false>(x, row_factor + r, col_factor, out, cols);
    }
    u_part[c] = t;
  }

  void finish(float sums[2]) const {
    double su = 0, sp = 0;
    for (int64_t c = 0; c < chunks; ++c) su += k.sum_u ? u_part[c] : 0.0, sp += p_part[c];
    sums[0] = (float)su;
    sums[1] = (float)sp;
  }
};

// One parameter of the full (unfactored) average, as the kit's program computes it:
// v' = v·beta + ((g·g) + eps)·(1−beta), u = g·rsqrt(v'), and the program's whole sums
// of u² and p² (program_sum's order), over kProgramChunk-element chunks.
constexpr int64_t kProgramChunk = 1 << 16;
struct FullAverage {
  float beta, one_minus_beta, eps;
  bool sum_u, sum_p;
  int64_t n;
  const float *g, *p, *v;
  float *v_out, *u;
  int64_t chunks = 0;
  std::vector<double> u_part, p_part;

  void prepare() {
    chunks = (n + kProgramChunk - 1) / kProgramChunk;
    u_part.assign((size_t)chunks, 0.0);
    p_part.assign((size_t)chunks, 0.0);
  }

  // The lanes of program.cc's whole sum over one block of squares.
  static double block_square_sum(const float* y, int64_t len) {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t t = 0;
    for (; t + 8 <= len; t += 8)
      for (int l = 0; l < 8; ++l) {
        const float sq = y[t + l] * y[t + l];
        acc[l] += (double)sq;
      }
    for (; t < len; ++t) {
      const float sq = y[t] * y[t];
      acc[t & 7] += (double)sq;
    }
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  }

  void pass(int64_t c) {
    constexpr int64_t kBlock = 512;
    const int64_t c0 = c * kProgramChunk, c1 = std::min(n, c0 + kProgramChunk);
    for (int64_t t = c0; t < c1; ++t) {
      const float sq = g[t] * g[t];
      const float g2e = sq + eps;
      const float a = v[t] * beta, b = g2e * one_minus_beta;
      v_out[t] = a + b;
      u[t] = g[t] * rsqrt(v_out[t]);
    }
    double su = 0, sp = 0;
    for (int64_t b0 = c0; b0 < c1; b0 += kBlock) {
      const int64_t len = std::min(kBlock, c1 - b0);
      if (sum_u) su += block_square_sum(u + b0, len);
      if (sum_p) sp += block_square_sum(p + b0, len);
    }
    u_part[c] = su;
    p_part[c] = sp;
  }

  void finish(float sums[2]) const {
    double su = 0, sp = 0;
    for (int64_t c = 0; c < chunks; ++c) su += u_part[c], sp += p_part[c];
    sums[0] = (float)su;
    sums[1] = (float)sp;
  }
};

// Tasks of (parameter, chunk) with their element counts, spread over the pool in
// contiguous runs of about equal work (one run on the calling thread when small).
void run_tasks(const std::vector<std::pair<int, int64_t>>& tasks, const std::vector<int64_t>& work,
               const std::function<void(int, int64_t)>& run) {
  int64_t total = 0;
  for (int64_t w : work) total += w;
  const int parts = total >= (1 << 15) && thread_count() > 1 ? (int)std::min<int64_t>(4 * thread_count(), (int64_t)tasks.size()) : 1;
  if (parts <= 1) {
    for (const auto& [i, c] : tasks) run(i, c);
    return;
  }
  // Task j goes to the part its work's midpoint falls in.
  std::vector<int> part_of(tasks.size());
  int64_t before = 0;
  for (size_t j = 0; j < tasks.size(); ++j) {
    part_of[j] = (int)std::min<int64_t>(parts - 1, (2 * before + work[j]) * parts / (2 * std::max<int64_t>(total, 1)));
    before += work[j];
  }
  parallel_for(parts, [&](int t) {
    for (size_t j = 0; j < tasks.size(); ++j)
      if (part_of[j] == t) run(tasks[j].first, tasks[j].second);
  });
}

}  // namespace

void factored_rms(const FactoredRmsCoefficients& k, int64_t rows, int64_t cols, const float* g, const float* p, const float* row,
                  const float* col, float* row_out, float* col_out, float* row_factor, float* col_factor, float* u, float sums[2]) {
  FactoredMatrix m{k, rows, cols, g, p, row, col, row_out, col_out, row_factor, col_factor, u};
  m.prepare();
  run_chunks(m.chunks, rows * cols, [&](int64_t c) { m.pass1(c); });
  m.factors();
  run_chunks(m.chunks, rows * cols, [&](int64_t c) { m.pass2(c); });
  m.finish(sums);
}

float factored_rms_factor(float sum_u, float sum_p, int64_t size, float clip, float param_scale, bool clipped, bool scaled) {
  const float n = (float)size;
  float factor = 1.0f;
  const float scale = scaled ? js_max(std::sqrt(sum_p / n), param_scale) : 1.0f;
  if (clipped) {
    const float denominator = js_max(std::sqrt(sum_u / n) / clip, 1.0f);
    factor = scaled ? scale / denominator : 1.0f / denominator;
  } else if (scaled) {
    factor = scale;
  }
  return factor;
}

void factored_rms_step(const FactoredRmsStepOptions& o, const std::vector<FactoredRmsParam>& params) {
  std::vector<FactoredMatrix> matrices;
  std::vector<FullAverage> fulls;
  std::vector<std::vector<float>> factor_store;
  std::vector<int> slot(params.size());
  const float beta = (float)o.beta, omb = (float)o.one_minus_beta;
  for (size_t i = 0; i < params.size(); ++i) {
    const FactoredRmsParam& q = params[i];
    if (q.d0 < 0) {
      slot[i] = (int)fulls.size();
      fulls.push_back(FullAverage{beta, omb, (float)o.eps, o.clipped, o.scaled, q.rows * q.cols, q.g, q.p, q.row, q.row_out, q.u});
      fulls.back().prepare();
      continue;
    }
    const int64_t n0 = q.d0 == 0 ? q.rows : q.cols, n1 = q.d0 == 0 ? q.cols : q.rows;
    const FactoredRmsCoefficients k{beta, omb, (float)(n0 * o.eps), (float)(n1 * o.eps), (float)n0, (float)n1, q.d0, o.clipped, o.scaled};
    factor_store.emplace_back((size_t)n1);
    factor_store.emplace_back((size_t)n0);
    slot[i] = (int)matrices.size();
    matrices.push_back(FactoredMatrix{k, q.rows, q.cols, q.g, q.p, q.row, q.col, q.row_out, q.col_out, nullptr, nullptr, q.u});
    matrices.back().prepare();
  }
  for (size_t m = 0; m < matrices.size(); ++m) {
    matrices[m].row_factor = factor_store[2 * m].data();
    matrices[m].col_factor = factor_store[2 * m + 1].data();
  }
  // Pass 1 of every matrix and the whole step of every full average in one job; the
  // factors; then pass 2 of every matrix in a second.
  std::vector<std::pair<int, int64_t>> tasks;
  std::vector<int64_t> work;
  for (size_t m = 0; m < matrices.size(); ++m)
    for (int64_t c = 0; c < matrices[m].chunks; ++c) {
      tasks.emplace_back((int)m, c);
      work.push_back((std::min(matrices[m].rows, (c + 1) * matrices[m].per_chunk) - c * matrices[m].per_chunk) * matrices[m].cols);
    }
  const int full_base = (int)matrices.size();
  for (size_t f = 0; f < fulls.size(); ++f)
    for (int64_t c = 0; c < fulls[f].chunks; ++c) {
      tasks.emplace_back(full_base + (int)f, c);
      work.push_back(std::min(fulls[f].n, (c + 1) * kProgramChunk) - c * kProgramChunk);
    }
  run_tasks(tasks, work, [&](int i, int64_t c) {
    if (i < full_base) matrices[i].pass1(c);
    else fulls[i - full_base].pass(c);
  });
  for (FactoredMatrix& m : matrices) m.factors();
  tasks.clear();
  work.clear();
  for (size_t m = 0; m < matrices.size(); ++m)
    for (int64_t c = 0; c < matrices[m].chunks; ++c) {
      tasks.emplace_back((int)m, c);
      work.push_back((std::min(matrices[m].rows, (c + 1) * matrices[m].per_chunk) - c * matrices[m].per_chunk) * matrices[m].cols);
    }
  run_tasks(tasks, work, [&](int i, int64_t c) { matrices[i].pass2(c); });
  for (size_t i = 0; i < params.size(); ++i) {
    const FactoredRmsParam& q = params[i];
    float sums[2];
    if (q.d0 < 0) fulls[slot[i]].finish(sums);
    else matrices[slot[i]].finish(sums);
    q.factor[0] = factored_rms_factor(sums[0], sums[1], q.rows * q.cols, (float)o.clip, (float)o.param_scale, o.clipped, o.scaled);
  }
}

namespace {

// factoredRms(g, p | null, row, col, rowOut, colOut, rowFactor, colFactor, u, sums: Float32Array[2], rows, cols,
//             coefficients: Float64Array[9]: beta, 1−beta, rowEps, colEps, rowTerms, colTerms, d0, sumU, sumP)
napi_value FactoredRms(napi_env env, napi_callback_info info) {
  NapiArgs args(env, info, "factoredRms");
  float* f[10] = {};
  size_t len[10] = {};
  for (int i = 0; i < 10; ++i) f[i] = i == 1 ? args.optional_floats(i, &len[i]) : args.floats(i, &len[i]);
  const int64_t rows = args.integer(10), cols = args.integer(11);
  size_t klen = 0;
  const double* c = args.array<double>(12, napi_float64_array, &klen);
  if (args.failed) return nullptr;
  if (rows < 1 || cols < 1 || klen != 9) return args.fail("rows and cols must be positive integers and coefficients a Float64Array of 9"), nullptr;
  const int d0 = c[6] != 0 ? 1 : 0;
  const size_t n_row = d0 == 0 ? (size_t)cols : (size_t)rows, n_col = d0 == 0 ? (size_t)rows : (size_t)cols;
  const bool sum_p = c[8] != 0;
  if (len[0] != (size_t)(rows * cols) || (sum_p && (f[1] == nullptr || len[1] != len[0])) || len[2] != n_row || len[4] != n_row || len[6] != n_row ||
      len[3] != n_col || len[5] != n_col || len[7] != n_col || len[8] != len[0] || len[9] != 2) {
    return args.fail("g, u (and p) must hold rows·cols floats, the row state and its outputs the length of the axis d0 keeps, the column state the other, sums 2"), nullptr;
  }
  const FactoredRmsCoefficients k{(float)c[0], (float)c[1], (float)c[2], (float)c[3], (float)c[4], (float)c[5], d0, c[7] != 0, sum_p};
  factored_rms(k, rows, cols, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]);
  return nullptr;
}

// factoredRmsStep(gs: Float32Array[], ps: Float32Array[] (one per g, or none), states: Float32Array[]
//   (row, col of a factored parameter, v of another, in order), outs: Float32Array[] (rowOut, colOut, u or
//   vOut, u), factors: Float32Array (one per g), shapes: Float64Array (rows, cols, d0 per g; d0 −1: full),
//   options: Float64Array[7]: beta, 1−beta, eps, clip, paramScale, clipped, scaled)
napi_value FactoredRmsStep(napi_env env, napi_callback_info info) {
  NapiArgs args(env, info, "factoredRmsStep");
  std::vector<float*> gs, ps, states, outs;
  std::vector<size_t> g_len, p_len, s_len, o_len;
  args.float32_list(0, &gs, &g_len) && args.float32_list(1, &ps, &p_len) && args.float32_list(2, &states, &s_len) && args.float32_list(3, &outs, &o_len);
  size_t n_factors = 0, n_shapes = 0, n_options = 0;
  float* factors = args.floats(4, &n_factors);
  const double* shapes = args.array<double>(5, napi_float64_array, &n_shapes);
  const double* opt = args.array<double>(6, napi_float64_array, &n_options);
  if (args.failed) return nullptr;
  const size_t n = gs.size();
  if (n_options != 7) return args.fail("options must be a Float64Array of 7"), nullptr;
  const bool scaled = opt[6] != 0;
  if (n_factors != n || n_shapes != 3 * n || ps.size() != (scaled ? n : 0)) {
    return args.fail("factors must hold one float per g, shapes three numbers per g, and ps one array per g when scaled, else none"), nullptr;
  }
  std::vector<FactoredRmsParam> params(n);
  size_t si = 0, oi = 0;
  for (size_t i = 0; i < n; ++i) {
    const double r = shapes[3 * i], c = shapes[3 * i + 1], d = shapes[3 * i + 2];
    const int64_t rows = (int64_t)r, cols = (int64_t)c;
    const bool full = d == -1;
    if (!(r == (double)rows && c == (double)cols && rows >= 1 && cols >= 1 && (full || d == 0 || d == 1))) {
      return args.fail("shape " + std::to_string(i) + " must be positive integers rows, cols and d0 0, 1 or -1"), nullptr;
    }
    const size_t size = (size_t)(rows * cols);
    const size_t n_row = full ? size : d == 0 ? (size_t)cols : (size_t)rows, n_col = full ? 0 : d == 0 ? (size_t)rows : (size_t)cols;
    const size_t n_states = full ? 1 : 2;
    if (si + n_states > states.size() || oi + n_states + 1 > outs.size()) return args.fail("states and outs must hold every parameter's arrays"), nullptr;
    const bool ok = g_len[i] == size && (!scaled || p_len[i] == size) && s_len[si] == n_row && o_len[oi] == n_row &&
                    (full || (s_len[si + 1] == n_col && o_len[oi + 1] == n_col)) && o_len[oi + n_states] == size;
    if (!ok) return args.fail("parameter " + std::to_string(i) + ": g, p and u must hold rows·cols floats, each state and its output its own length"), nullptr;
    params[i] = FactoredRmsParam{rows, cols, full ? -1 : (int)d, gs[i], scaled ? ps[i] : nullptr, states[si], full ? nullptr : states[si + 1],
                                 outs[oi], full ? nullptr : outs[oi + 1], outs[oi + n_states], factors + i};
    si += n_states;
    oi += n_states + 1;
  }
  if (si != states.size() || oi != outs.size()) return args.fail("states and outs hold more arrays than the parameters take"), nullptr;
  factored_rms_step(FactoredRmsStepOptions{opt[0], opt[1], opt[2], opt[3], opt[4], opt[5] != 0, scaled}, params);
  return nullptr;
}

}  // namespace

void define_factored_rms_kernels(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"factoredRms", nullptr, FactoredRms, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"factoredRmsStep", nullptr, FactoredRmsStep, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace algobench
