// The strided copy behind Slice, StridedSlice, Tile, Pad, Concat, Pack, Unpack and
// SplitV: each is a copy between two views of the same dims with their own strides
// (a tile repeats its input through stride 0; a concat writes each input into a
// strided window of the output). Axes that are contiguous in both views are merged,
// so most of these become rows of one memcpy each, split between threads.
#include <algorithm>
#include <cstring>

#include "split.h"
#include "stock.h"

namespace algobench {
namespace {

constexpr int kMaxRank = 16;

struct View {
  int rank = 0;
  int64_t dims[kMaxRank];
  int64_t src[kMaxRank];
  int64_t dst[kMaxRank];
};

// Drops size-1 axes and merges an axis into the one before it where both strides line up.
View merged(int rank, const int64_t* dims, const int64_t* src, const int64_t* dst) {
  View v;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] == 1) continue;
    const int k = v.rank - 1;
    if (k >= 0 && v.src[k] == src[i] * dims[i] && v.dst[k] == dst[i] * dims[i]) {
      v.dims[k] *= dims[i];
      v.src[k] = src[i];
      v.dst[k] = dst[i];
    } else {
      v.dims[v.rank] = dims[i];
      v.src[v.rank] = src[i];
      v.dst[v.rank] = dst[i];
      ++v.rank;
    }
  }
  if (v.rank == 0) {
    v.rank = 1;
    v.dims[0] = 1;
    v.src[0] = v.dst[0] = 1;
  }
  return v;
}

template <typename T>
void copy_typed(const T* x, T* y, const View& v) {
  const int r = v.rank;
  const int64_t row = v.dims[r - 1], ss = v.src[r - 1], ds = v.dst[r - 1];
  int64_t rows = 1;
  for (int i = 0; i < r - 1; ++i) rows *= v.dims[i];
  const bool contiguous = ss == 1 && ds == 1;
  // One long row (a contiguous slice or concat part) is split in pieces between threads.
  const int64_t pieces = rows == 1 ? std::min<int64_t>(row / 4096 + 1, 4 * thread_count()) : 1;
  split_range(rows * pieces, rows * row, [&](int64_t lo, int64_t hi) {
    int64_t idx[kMaxRank] = {0};
    int64_t q = lo / pieces, rest = q, s = 0, d = 0;
    for (int i = r - 2; i >= 0; --i) {
      idx[i] = rest % v.dims[i];
      rest /= v.dims[i];
      s += idx[i] * v.src[i];
      d += idx[i] * v.dst[i];
    }
    for (int64_t u = lo; u < hi; ++u) {
      const int64_t piece = u % pieces, j0 = row * piece / pieces, j1 = row * (piece + 1) / pieces;
      const T* in = x + s + j0 * ss;
      T* out = y + d + j0 * ds;
      const int64_t n = j1 - j0;
      if (contiguous) std::memcpy(out, in, n * sizeof(T));
      else for (int64_t j = 0; j < n; ++j) out[j * ds] = in[j * ss];
      if (piece + 1 < pieces) continue;
      // The next row: an odometer over the outer axes (no division per row).
      for (int i = r - 2; i >= 0; --i) {
        s += v.src[i];
        d += v.dst[i];
        if (++idx[i] < v.dims[i]) break;
        s -= idx[i] * v.src[i];
        d -= idx[i] * v.dst[i];
        idx[i] = 0;
      }
    }
  });
}

}  // namespace

void strided_copy(const uint8_t* x, uint8_t* y, int elem_bytes, int rank, const int64_t* dims, const int64_t* src_strides,
                  const int64_t* dst_strides) {
  const View v = merged(rank, dims, src_strides, dst_strides);
  if (elem_bytes == 4) copy_typed(reinterpret_cast<const uint32_t*>(x), reinterpret_cast<uint32_t*>(y), v);
  else copy_typed(x, y, v);
}

}  // namespace algobench
