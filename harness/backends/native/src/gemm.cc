// A packed, register-blocked SGEMM in the style of GotoBLAS/BLIS: B is packed into
// k×NR column panels and A into MR×k row panels, so the micro-kernel streams both
// from contiguous memory and keeps an MR×NR tile of C in vector registers. Vectors
// are GCC vector extensions, so the compiler emits AVX-512, AVX2 or SSE code for the
// machine that `npm ci` builds on (-march=native). Transposes cost nothing extra:
// they only change how panels are packed.
#include "gemm.h"

#include <algorithm>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif
#include <cstdlib>
#include <cstring>
#include <vector>

#include "parallel.h"
#include "vector_width.h"

namespace algobench {
namespace {

constexpr int VW = kVectorWidth;
typedef vecf vec;
typedef uvecf uvec;

constexpr int MR = 6;        // rows of the C tile
constexpr int NR = 2 * VW;   // columns of the C tile: two vectors
constexpr int KC = 256;      // depth of one packed block (A and B panels stay in L1/L2)
constexpr int MC = 16 * MR;  // rows of A packed at once per task

// An aligned scratch buffer per thread, grown on demand and kept.
float* scratch(std::vector<float>& buf, size_t floats) {
  if (buf.size() < floats + VW) buf.resize(floats + VW);
  auto p = reinterpret_cast<uintptr_t>(buf.data());
  return reinterpret_cast<float*>((p + sizeof(vec) - 1) & ~(uintptr_t)(sizeof(vec) - 1));
}

#if defined(__AVX512F__)
// out[q·ldo + j] = in[j·ldi + q] for a 16×16 block: pairs of rows interleaved by 32-,
// 64- and twice by 128-bit lanes (the scalar loop it replaces cost a transposed
// product as much as its arithmetic, e.g. the RNN's dh = dz·Wᵀ).
inline void transpose16(const float* in, int64_t ldi, float* out, int64_t ldo) {
  __m512 r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(in + i * ldi);
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
    r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
    r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
  }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
  }
  for (int i = 0; i < 16; ++i) _mm512_storeu_ps(out + i * ldo, r[i]);
}
#endif

// op(B)[p0:p0+kc, j0:j0+NR] into panel (kc×NR, zero-padded columns).
void pack_b_panel(bool trans_b, const float* b, int64_t ldb, int64_t p0, int kc, int64_t j0, int nr, float* out) {
  int p = 0;
#if defined(__AVX512F__)
  if (trans_b && nr == NR && NR == 32) {
    // Whole 16-deep slices of a full panel as two 16×16 transposes; the rest below.
    for (; p + 16 <= kc; p += 16) {
      transpose16(b + j0 * ldb + p0 + p, ldb, out + p * NR, NR);
      transpose16(b + (j0 + 16) * ldb + p0 + p, ldb, out + p * NR + 16, NR);
    }
  }
#endif
  for (; p < kc; ++p) {
    float* row = out + p * NR;
    if (!trans_b) {
      const float* src = b + (p0 + p) * ldb + j0;
      std::memcpy(row, src, nr * sizeof(float));
    } else {
      const float* src = b + j0 * ldb + (p0 + p);
      for (int j = 0; j < nr; ++j) row[j] = src[j * ldb];
    }
    for (int j = nr; j < NR; ++j) row[j] = 0.f;
  }
}

// op(A)[i0:i0+mr, p0:p0+kc] into panel (kc×MR, zero-padded rows).
void pack_a_panel(bool trans_a, const float* a, int64_t lda, int64_t i0, int mr, int64_t p0, int kc, float* out) {
  if (!trans_a) {
    for (int i = 0; i < mr; ++i) {
      const float* src = a + (i0 + i) * lda + p0;
      for (int p = 0; p < kc; ++p) out[p * MR + i] = src[p];
    }
  } else {
    for (int p = 0; p < kc; ++p) {
      const float* src = a + (p0 + p) * lda + i0;
      for (int i = 0; i < mr; ++i) out[p * MR + i] = src[i];
    }
  }
  if (mr < MR) {
    for (int p = 0; p < kc; ++p)
      for (int i = mr; i < MR; ++i) out[p * MR + i] = 0.f;
  }
}

// C tile (mr×nr at c) = or += Ap·Bp over kc; Bp's rows are NR floats `bstride` apart
// (NR in a packed panel, ldb when B is read in place).
inline void micro_kernel(int kc, const float* __restrict ap, const float* __restrict bp, int64_t bstride,
                         float* c, int64_t ldc, int mr, int nr, bool accumulate) {
  vec acc[MR][2];
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = vec{};
  for (int p = 0; p < kc; ++p) {
    const vec b0 = *reinterpret_cast<const uvec*>(bp);
    const vec b1 = *reinterpret_cast<const uvec*>(bp + VW);
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      const float a = ap[i];
      acc[i][0] += a * b0;
      acc[i][1] += a * b1;
    }
    ap += MR;
    bp += bstride;
  }
  if (mr == MR && nr == NR) {
    for (int i = 0; i < MR; ++i) {
      uvec* row = reinterpret_cast<uvec*>(c + i * ldc);
      if (accumulate) {
        row[0] += acc[i][0];
        row[1] += acc[i][1];
      } else {
        row[0] = acc[i][0];
        row[1] = acc[i][1];
      }
    }
    return;
  }
  if (mr == MR && nr == VW) {
    // Half a panel (16 or 8 columns: narrow layers such as a first convolution).
    for (int i = 0; i < MR; ++i) {
      uvec* row = reinterpret_cast<uvec*>(c + i * ldc);
      row[0] = accumulate ? row[0] + acc[i][0] : acc[i][0];
    }
    return;
  }
  alignas(64) float tile[MR][NR];
  std::memcpy(tile, acc, sizeof(tile));
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nr; ++j) c[i * ldc + j] = accumulate ? c[i * ldc + j] + tile[i][j] : tile[i][j];
}

void dense_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                 const float* a, int64_t lda, const float* b, int64_t ldb,
                 float* c, int64_t ldc, bool accumulate) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i) std::memset(c + i * ldc, 0, n * sizeof(float));
    return;
  }
  const int64_t panels_n = (n + NR - 1) / NR;
  const int64_t blocks_m = (m + MC - 1) / MC;
  // Column chunks per task: enough tasks to keep every thread busy, big enough that
  // packing the A block again per chunk stays cheap.
  const int threads = (double)m * n * k < 2.0e5 ? 1 : thread_count();
  int64_t chunk = panels_n;
  if (threads > 1) {
    while (chunk > 4 && blocks_m * ((panels_n + chunk - 1) / chunk) < 4 * threads) chunk = (chunk + 1) / 2;
  }
  const int64_t chunks = (panels_n + chunk - 1) / chunk;

  // With one or two blocks of rows (the small batches of RNN steps and dense layers),
  // each panel of B is read once or twice: reading B's rows in place is cheaper than
  // packing them first (the pack was a third of a 32×128·128×512 product). Only a
  // last, partial panel is packed (zero-padded).
  const bool direct_b = !trans_b && blocks_m <= 2;
  const int64_t full_panels = n / NR;
  static thread_local std::vector<float> b_buf;
  for (int64_t p0 = 0; p0 < k; p0 += KC) {
    const int kc = (int)std::min<int64_t>(KC, k - p0);
    const bool acc = accumulate || p0 > 0;
    float* bp = scratch(b_buf, (size_t)panels_n * kc * NR);
    auto pack_b = [&](int64_t first, int64_t last) {
      for (int64_t jp = first; jp < last; ++jp) {
        const int64_t j0 = jp * NR;
        pack_b_panel(trans_b, b, ldb, p0, kc, j0, (int)std::min<int64_t>(NR, n - j0), bp + jp * kc * NR);
      }
    };
    if (direct_b) {
      pack_b(full_panels, panels_n);
    } else if (threads > 1 && panels_n >= 2) {
      const int parts = (int)std::min<int64_t>(panels_n, threads);
      parallel_for(parts, [&](int t) { pack_b(panels_n * t / parts, panels_n * (t + 1) / parts); });
    } else {
      pack_b(0, panels_n);
    }
    auto task = [&](int index) {
      static thread_local std::vector<float> a_buf;
      const int64_t bm = index / chunks;
      const int64_t bc = index % chunks;
      const int64_t i0 = bm * MC;
      const int mc = (int)std::min<int64_t>(MC, m - i0);
      float* ap = scratch(a_buf, (size_t)MC * kc);
      for (int ir = 0; ir < mc; ir += MR)
        pack_a_panel(trans_a, a, lda, i0 + ir, std::min(MR, mc - ir), p0, kc, ap + (size_t)ir * kc);
      const int64_t jp_end = std::min(panels_n, (bc + 1) * chunk);
      for (int64_t jp = bc * chunk; jp < jp_end; ++jp) {
        const int64_t j0 = jp * NR;
        const int nr = (int)std::min<int64_t>(NR, n - j0);
        const bool in_place = direct_b && jp < full_panels;
        const float* panel = in_place ? b + p0 * ldb + j0 : bp + jp * kc * NR;
        const int64_t bstride = in_place ? ldb : NR;
        for (int ir = 0; ir < mc; ir += MR) {
          micro_kernel(kc, ap + (size_t)ir * kc, panel, bstride, c + (i0 + ir) * ldc + j0, ldc,
                       std::min(MR, mc - ir), nr, acc);
        }
      }
    };
    const int tasks = (int)(blocks_m * chunks);
    if (threads > 1) parallel_for(tasks, task);
    else for (int t = 0; t < tasks; ++t) task(t);
  }
}


// True when op(A) has at most 1 nonzero in 32: multi-hot inputs (bags of words) and
// their gradients. The scan stops as soon as the count passes that bound, so on a
// dense matrix it reads only its first few elements.
bool is_sparse(const float* a, int64_t rows, int64_t cols, int64_t lda) {
  if (rows * cols < (1 << 16)) return false;
  const int64_t limit = rows * cols / 32;
  int64_t nonzero = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = a + r * lda;
    for (int64_t j = 0; j < cols; ++j) nonzero += row[j] != 0.f;
    if (nonzero > limit || nonzero > (r + 1) * cols / 4) return false;
  }
  return true;
}

// C = or += op(A)·B for a sparse A, visiting only A's nonzeros: each one adds a
// scaled row of B to a row of C. Threads own disjoint rows of C.
void sparse_a_sgemm(bool trans_a, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                    const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  const int parts = (int)std::min<int64_t>(m, thread_count());
  parallel_for(parts, [&](int t) {
    const int64_t i0 = m * t / parts, i1 = m * (t + 1) / parts;
    if (!accumulate)
      for (int64_t i = i0; i < i1; ++i) std::memset(c + i * ldc, 0, n * sizeof(float));
    if (!trans_a) {
      for (int64_t i = i0; i < i1; ++i) {
        const float* arow = a + i * lda;
        float* crow = c + i * ldc;
        for (int64_t p = 0; p < k; ++p) {
          const float v = arow[p];
          if (v == 0.f) continue;
          const float* brow = b + p * ldb;
          for (int64_t j = 0; j < n; ++j) crow[j] += v * brow[j];
        }
      }
    } else {
      for (int64_t p = 0; p < k; ++p) {
        const float* arow = a + p * lda;
        const float* brow = b + p * ldb;
        for (int64_t i = i0; i < i1; ++i) {
          const float v = arow[i];
          if (v == 0.f) continue;
          float* crow = c + i * ldc;
          for (int64_t j = 0; j < n; ++j) crow[j] += v * brow[j];
        }
      }
    }
  });
}

}  // namespace

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
           const float* a, int64_t lda, const float* b, int64_t ldb,
           float* c, int64_t ldc, bool accumulate) {
  if (m <= 0 || n <= 0 || k <= 0) {
    dense_sgemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }
  if (!trans_b && (trans_a ? is_sparse(a, k, m, lda) : is_sparse(a, m, k, lda))) {
    sparse_a_sgemm(trans_a, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }
  // A long, thin product (a small C over a deep k, e.g. a conv's filter gradient)
  // has too few C tiles to share: split k instead and add the partial products.
  const int threads = thread_count();
  const int64_t tiles = ((m + MC - 1) / MC) * ((n + NR - 1) / NR);
  // (Fewer than two tiles a thread also balance badly: 144 rows are a 96- and a 48-row block.)
  if (threads > 1 && tiles < 2 * threads && k >= 1024 && (double)m * n * k >= 2.0e5) {
    std::vector<std::vector<float>> partial(threads - 1);
    parallel_for(threads, [&](int t) {
      const int64_t p0 = k * t / threads, p1 = k * (t + 1) / threads;
      const float* at = trans_a ? a + p0 * lda : a + p0;
      const float* bt = trans_b ? b + p0 : b + p0 * ldb;
      if (t == 0) {
        dense_sgemm(trans_a, trans_b, m, n, p1 - p0, at, lda, bt, ldb, c, ldc, accumulate);
      } else {
        partial[t - 1].assign((size_t)(m * n), 0.f);
        dense_sgemm(trans_a, trans_b, m, n, p1 - p0, at, lda, bt, ldb, partial[t - 1].data(), n, false);
      }
    });
    for (const auto& part : partial)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) c[i * ldc + j] += part[i * n + j];
    return;
  }
  dense_sgemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

}  // namespace algobench
