// Transpose, gather along any axis and segment sums: data movement, so every kernel
// is a copy (or an in-order sum) split between threads by disjoint output ranges.
#include <algorithm>
#include <cstring>

#include "split.h"
#include "stock.h"

namespace algobench {
namespace {

constexpr int kMaxRank = 8;
constexpr int64_t kTile = 16;  // 16×16 elements: both the read and write side stay in L1

// The transpose as a strided copy: the output's dims and, per output axis, the
// input's element stride — with size-1 axes dropped and axes that are adjacent in both
// merged, so a head split [B,T,H,D]→[B,H,T,D] becomes 4 axes and a plain matrix 2.
struct Plan {
  int rank = 0;
  int64_t dims[kMaxRank];
  int64_t src_strides[kMaxRank];
};

Plan plan_of(int rank, const int64_t* shape, const int* perm) {
  int64_t in_strides[kMaxRank];
  int64_t s = 1;
  for (int i = rank - 1; i >= 0; --i) {
    in_strides[i] = s;
    s *= shape[i];
  }
  Plan p;
  for (int k = 0; k < rank; ++k) {
    const int64_t d = shape[perm[k]], st = in_strides[perm[k]];
    if (d == 1) continue;
    if (p.rank > 0 && p.src_strides[p.rank - 1] == st * d) {
      p.dims[p.rank - 1] *= d;
      p.src_strides[p.rank - 1] = st;
    } else {
      p.dims[p.rank] = d;
      p.src_strides[p.rank] = st;
      ++p.rank;
    }
  }
  return p;
}

template <typename T>
void transpose_typed(const T* x, T* y, const Plan& p) {
  const int r = p.rank;
  int64_t total = 1;
  for (int i = 0; i < r; ++i) total *= p.dims[i];
  if (r <= 1) {
    split_range(total, total, [&](int64_t lo, int64_t hi) { std::memcpy(y + lo, x + lo, (hi - lo) * sizeof(T)); });
    return;
  }
  int64_t dst_strides[kMaxRank];
  int64_t s = 1;
  for (int i = r - 1; i >= 0; --i) {
    dst_strides[i] = s;
    s *= p.dims[i];
  }
  const int64_t row = p.dims[r - 1];
  if (p.src_strides[r - 1] == 1) {
    // Runs of `row` contiguous elements: copy them row by row, walking the outer
    // index with an odometer (a division per row would cost more than a short copy).
    const int64_t rows = total / row;
    split_range(rows, total, [&](int64_t lo, int64_t hi) {
      int64_t idx[kMaxRank] = {0};
      int64_t src = 0, rest = lo;
      for (int i = r - 2; i >= 0; --i) {
        idx[i] = rest % p.dims[i];
        rest /= p.dims[i];
        src += idx[i] * p.src_strides[i];
      }
      for (int64_t q = lo; q < hi; ++q) {
        std::memcpy(y + q * row, x + src, row * sizeof(T));
        for (int i = r - 2; i >= 0; --i) {
          src += p.src_strides[i];
          if (++idx[i] < p.dims[i]) break;
          src -= idx[i] * p.src_strides[i];
          idx[i] = 0;
        }
      }
    });
    return;
  }
  // The input's contiguous axis went to output axis q: copy 16×16 tiles of the
  // (q, last) plane, so reads and writes both touch whole cache lines.
  int q = 0;
  for (int i = 0; i < r; ++i)
    if (p.src_strides[i] == 1) q = i;
  const int64_t dq = p.dims[q], blocks_q = (dq + kTile - 1) / kTile, blocks_l = (row + kTile - 1) / kTile;
  const int64_t planes = total / (dq * row);
  const int64_t src_l = p.src_strides[r - 1], dst_q = dst_strides[q];
  split_range(planes * blocks_q, total, [&](int64_t lo, int64_t hi) {
    for (int64_t u = lo; u < hi; ++u) {
      int64_t plane = u / blocks_q, a0 = (u % blocks_q) * kTile, src = 0, dst = 0;
      for (int i = r - 2; i >= 0; --i) {
        if (i == q) continue;
        const int64_t v = plane % p.dims[i];
        plane /= p.dims[i];
        src += v * p.src_strides[i];
        dst += v * dst_strides[i];
      }
      const int64_t a1 = std::min(dq, a0 + kTile);
      for (int64_t bl = 0; bl < blocks_l; ++bl) {
        const int64_t b0 = bl * kTile, b1 = std::min(row, b0 + kTile);
        for (int64_t a = a0; a < a1; ++a) {
          T* out = y + dst + a * dst_q;
          const T* in = x + src + a;
          for (int64_t b = b0; b < b1; ++b) out[b] = in[b * src_l];
        }
      }
    }
  });
}

}  // namespace

void transpose(const uint8_t* x, uint8_t* y, int elem_bytes, int rank, const int64_t* shape, const int* perm) {
  const Plan p = plan_of(rank, shape, perm);
  if (elem_bytes == 4) transpose_typed(reinterpret_cast<const uint32_t*>(x), reinterpret_cast<uint32_t*>(y), p);
  else transpose_typed(x, y, p);
}

int64_t gather(const uint8_t* x, const int32_t* ids, uint8_t* y, int64_t outer, int64_t axis, int64_t n_ids, int64_t inner_bytes) {
  for (int64_t j = 0; j < n_ids; ++j)
    if (ids[j] < 0 || ids[j] >= axis) return j;
  const int64_t rows = outer * n_ids;
  split_range(rows, rows * inner_bytes / 4, [&](int64_t lo, int64_t hi) {
    for (int64_t q = lo; q < hi; ++q) {
      const int64_t o = q / n_ids, j = q % n_ids;
      std::memcpy(y + q * inner_bytes, x + (o * axis + ids[j]) * inner_bytes, inner_bytes);
    }
  });
  return -1;
}

void segment_sum(const float* x, const int32_t* ids, float* y, int64_t rows, int64_t inner, int64_t segments) {
  split_range(segments, rows * inner + segments * inner, [&](int64_t lo, int64_t hi) {
    std::fill(y + lo * inner, y + hi * inner, 0.f);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t s = ids[r];
      if (s < lo || s >= hi) continue;
      float* out = y + s * inner;
      const float* in = x + r * inner;
      for (int64_t k = 0; k < inner; ++k) out[k] += in[k];
    }
  });
}

}  // namespace algobench
