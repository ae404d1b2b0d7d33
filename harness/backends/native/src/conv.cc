#include "conv.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "gemm.h"
#include "parallel.h"
#include "vector_width.h"

namespace algobench {
namespace {

// Output rows (n, oh, ow) handled per im2col chunk: the column buffer is rows × K floats.
int64_t chunk_rows(const ConvGeometry& g) {
  const int64_t k = g.filter_h * g.filter_w * g.in_c;
  const int64_t target = (int64_t)1 << 20;  // ~4 MB of columns
  return std::max<int64_t>(64, std::min<int64_t>(target / std::max<int64_t>(k, 1), 1 << 16));
}

bool is_pointwise(const ConvGeometry& g) {
  return g.filter_h == 1 && g.filter_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
         g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
}

// cols[r, (a*FW+b)*CI + c] for output rows [r0, r0+rows): the input patch under the
// filter, zeros where it hangs over the padding.
void im2col(const ConvGeometry& g, const float* x, int64_t r0, int64_t rows, float* cols) {
  const int64_t k = g.filter_h * g.filter_w * g.in_c;
  parallel_for((int)std::min<int64_t>(rows, thread_count()), [&](int t) {
    const int64_t parts = std::min<int64_t>(rows, thread_count());
    for (int64_t r = rows * t / parts; r < rows * (t + 1) / parts; ++r) {
      const int64_t row = r0 + r;
      const int64_t ow = row % g.out_w;
      const int64_t oh = (row / g.out_w) % g.out_h;
      const int64_t n = row / (g.out_w * g.out_h);
      float* dst = cols + r * k;
      for (int64_t a = 0; a < g.filter_h; ++a) {
        const int64_t h = oh * g.stride_h - g.pad_top + a * g.dilation_h;
        for (int64_t b = 0; b < g.filter_w; ++b) {
          const int64_t w = ow * g.stride_w - g.pad_left + b * g.dilation_w;
          float* out = dst + (a * g.filter_w + b) * g.in_c;
          // Plain loops, not memcpy: with few channels (1 for MNIST's first layer) a
          // library call per pixel costs more than the copy.
          if (h < 0 || h >= g.in_h || w < 0 || w >= g.in_w) {
            for (int64_t c = 0; c < g.in_c; ++c) out[c] = 0.f;
          } else {
            const float* src = x + ((n * g.in_h + h) * g.in_w + w) * g.in_c;
            for (int64_t c = 0; c < g.in_c; ++c) out[c] = src[c];
          }
        }
      }
    }
  });
}

// dx += the column gradients of rows [r0, r0+rows) scattered back to their pixels.
// Patches of one image overlap, so the rows are split between threads at image
// boundaries: no two threads write the same pixel.
void col2im_add(const ConvGeometry& g, const float* cols, int64_t r0, int64_t rows, float* dx) {
  const int64_t k = g.filter_h * g.filter_w * g.in_c;
  const int64_t per_image = g.out_h * g.out_w;
  const int parts = thread_count();
  auto boundary = [&](int t) {
    if (t >= parts) return r0 + rows;
    const int64_t r = r0 + rows * t / parts;
    return std::min(r0 + rows, std::max(r0, (r + per_image - 1) / per_image * per_image));
  };
  parallel_for(parts, [&](int t) {
    for (int64_t row = (t == 0 ? r0 : boundary(t)); row < boundary(t + 1); ++row) {
      const int64_t ow = row % g.out_w;
      const int64_t oh = (row / g.out_w) % g.out_h;
      const int64_t n = row / per_image;
      const float* src = cols + (row - r0) * k;
      for (int64_t a = 0; a < g.filter_h; ++a) {
        const int64_t h = oh * g.stride_h - g.pad_top + a * g.dilation_h;
        if (h < 0 || h >= g.in_h) continue;
        for (int64_t b = 0; b < g.filter_w; ++b) {
          const int64_t w = ow * g.stride_w - g.pad_left + b * g.dilation_w;
          if (w < 0 || w >= g.in_w) continue;
          float* out = dx + ((n * g.in_h + h) * g.in_w + w) * g.in_c;
          const float* in = src + (a * g.filter_w + b) * g.in_c;
          for (int64_t c = 0; c < g.in_c; ++c) out[c] += in[c];
        }
      }
    }
  });
}

// Calls body(r0, rows, cols) over chunks of the output rows with a column buffer of
// rows × K floats; answers false (doing nothing) for a pointwise convolution, whose
// columns are the input itself.
template <typename Body>
bool for_each_chunk(const ConvGeometry& g, Body body) {
  if (is_pointwise(g)) return false;
  const int64_t m = g.batch * g.out_h * g.out_w;
  const int64_t k = g.filter_h * g.filter_w * g.in_c;
  const int64_t step = chunk_rows(g);
  std::vector<float> cols((size_t)std::min(step, m) * k);
  for (int64_t r0 = 0; r0 < m; r0 += step) body(r0, std::min(step, m - r0), cols.data());
  return true;
}

// Direct convolution ("implicit GEMM") for 16 or more input channels: the same
// product as im2col + sgemm, but the micro-kernel reads each output pixel's patch
// straight from x through one pointer per pixel and filter tap (a row of zeros where
// the tap hangs over the padding), so no column buffer is written and read back. An
// MR×32 tile of y (MR pixels, two vectors of output channels) stays in registers over
// a block of taps whose packed filter rows (≤ KC deep) stay in L1.
constexpr int DVW = algobench::kVectorWidth;
typedef algobench::vecf dvec;
typedef algobench::uvecf duvec;
constexpr int DMR = 6;         // pixels per tile
constexpr int DNR = 2 * DVW;   // output channels per panel
constexpr int DKC = 256;       // filter rows (taps × input channels) per block, about
constexpr int DMC = 16 * DMR;  // pixels per task

bool use_direct(const ConvGeometry& g) { return g.in_c >= 16 && !is_pointwise(g); }

// parallel_for, or a plain loop for a product too small to be worth waking the pool
// (the same bound as the GEMM's).
template <typename F>
void run_tasks(int n, double flops, F f) {
  if (flops < 2.0e5) {
    for (int i = 0; i < n; ++i) f(i);
  } else {
    parallel_for(n, f);
  }
}

// acc[i] += Σ_c px[i][c] · bp[c, :] over ci channels (bp: ci rows of DNR floats).
inline void direct_tap(const float* const* px, int64_t ci, const float* __restrict bp, dvec (&acc)[DMR][2]) {
  const float *p0 = px[0], *p1 = px[1], *p2 = px[2], *p3 = px[3], *p4 = px[4], *p5 = px[5];
  for (int64_t c = 0; c < ci; ++c) {
    const dvec b0 = *reinterpret_cast<const dvec*>(bp);
    const dvec b1 = *reinterpret_cast<const dvec*>(bp + DVW);
    acc[0][0] += p0[c] * b0; acc[0][1] += p0[c] * b1;
    acc[1][0] += p1[c] * b0; acc[1][1] += p1[c] * b1;
    acc[2][0] += p2[c] * b0; acc[2][1] += p2[c] * b1;
    acc[3][0] += p3[c] * b0; acc[3][1] += p3[c] * b1;
    acc[4][0] += p4[c] * b0; acc[4][1] += p4[c] * b1;
    acc[5][0] += p5[c] * b0; acc[5][1] += p5[c] * b1;
    bp += DNR;
  }
}

// pix: floats from one pixel of x to the next (in_c, or less for row_padded's overlapping runs).
void direct_conv(const ConvGeometry& g, const float* x, const float* w, float* y, int64_t pix) {
  const int64_t ci = g.in_c, co = g.out_c, taps = g.filter_h * g.filter_w, k = taps * ci;
  const int64_t m = g.batch * g.out_h * g.out_w;
  const int64_t panels = (co + DNR - 1) / DNR;
  // The filter as panels of DNR output channels: wp[panel][k][DNR], zero-padded, aligned.
  std::vector<dvec> packed((size_t)(panels * k * DNR / DVW));
  float* wp = reinterpret_cast<float*>(packed.data());
  parallel_for((int)std::min<int64_t>(panels, thread_count()), [&](int t) {
    const int64_t parts = std::min<int64_t>(panels, thread_count());
    for (int64_t p = panels * t / parts; p < panels * (t + 1) / parts; ++p) {
      const int64_t j0 = p * DNR, nr = std::min<int64_t>(DNR, co - j0);
      for (int64_t r = 0; r < k; ++r) {
        float* dst = wp + (p * k + r) * DNR;
        for (int64_t j = 0; j < nr; ++j) dst[j] = w[r * co + j0 + j];
        for (int64_t j = nr; j < DNR; ++j) dst[j] = 0.f;
      }
    }
  });
  const std::vector<float> zeros((size_t)ci, 0.f);
  const int64_t taps_per_block = std::max<int64_t>(1, DKC / ci);
  const int64_t blocks = (m + DMC - 1) / DMC;
  run_tasks((int)(blocks * panels), 2.0 * (double)m * (double)k * (double)co, [&](int task) {
    const int64_t blk = task / panels, panel = task % panels;
    const int64_t q0 = blk * DMC, mc = std::min<int64_t>(DMC, m - q0);
    const int64_t j0 = panel * DNR, nr = std::min<int64_t>(DNR, co - j0);
    const float* bpanel = wp + panel * k * DNR;
    alignas(64) float out[DMC][DNR];
    // Where each pixel's window starts (its image's first element, top-left corner).
    int64_t img[DMC], h0[DMC], w0[DMC];
    for (int64_t i = 0; i < mc; ++i) {
      const int64_t q = q0 + i;
      const int64_t ow = q % g.out_w, oh = (q / g.out_w) % g.out_h, n = q / (g.out_w * g.out_h);
      img[i] = n * g.in_h * g.in_w * pix;
      h0[i] = oh * g.stride_h - g.pad_top;
      w0[i] = ow * g.stride_w - g.pad_left;
    }
    for (int64_t t0 = 0; t0 < taps; t0 += taps_per_block) {
      const int64_t t1 = std::min(taps, t0 + taps_per_block);
      for (int64_t i0 = 0; i0 < mc; i0 += DMR) {
        const int mr = (int)std::min<int64_t>(DMR, mc - i0);
        dvec acc[DMR][2];
        for (int i = 0; i < DMR; ++i) {
          if (t0 == 0) {
            acc[i][0] = acc[i][1] = dvec{};
          } else {
            acc[i][0] = *reinterpret_cast<const dvec*>(out[i0 + i]);
            acc[i][1] = *reinterpret_cast<const dvec*>(out[i0 + i] + DVW);
          }
        }
        for (int64_t tap = t0; tap < t1; ++tap) {
          const int64_t a = tap / g.filter_w, b = tap % g.filter_w;
          const float* px[DMR];
          for (int i = 0; i < DMR; ++i) {
            px[i] = zeros.data();
            if (i >= mr) continue;
            const int64_t h = h0[i0 + i] + a * g.dilation_h, ww = w0[i0 + i] + b * g.dilation_w;
            if (h >= 0 && h < g.in_h && ww >= 0 && ww < g.in_w) px[i] = x + img[i0 + i] + (h * g.in_w + ww) * pix;
          }
          direct_tap(px, ci, bpanel + tap * ci * DNR, acc);
        }
        for (int i = 0; i < DMR; ++i) {
          *reinterpret_cast<dvec*>(out[i0 + i]) = acc[i][0];
          *reinterpret_cast<dvec*>(out[i0 + i] + DVW) = acc[i][1];
        }
      }
    }
    for (int64_t i = 0; i < mc; ++i) {
      float* dst = y + (q0 + i) * co + j0;
      if (nr == DNR) {
        *reinterpret_cast<duvec*>(dst) = *reinterpret_cast<const dvec*>(out[i]);
        *reinterpret_cast<duvec*>(dst + DVW) = *reinterpret_cast<const dvec*>(out[i] + DVW);
      } else {
        std::memcpy(dst, out[i], (size_t)nr * sizeof(float));
      }
    }
  });
}

// The filter gradient for 16 or more input channels, directly: dW[tap, c, j] =
// Σ_q x[pixel q moved by tap, c] · dy[q, j], with a tile of FMR input channels of one
// tap × 32 output channels in registers, over blocks of FQ pixels (their dy rows stay
// in L1). Both operands are read in place: x through one pointer per pixel and tap (a
// row of zeros over the padding), dy by rows. Threads own disjoint tiles of dW.
constexpr int FMR = DVW == 16 ? 8 : 4;  // input channels per tile
constexpr int64_t FQ = 128;             // pixels per block

void direct_filter_grad(const ConvGeometry& g, const float* x, const float* dy, float* dw, int64_t pix) {
  const int64_t ci = g.in_c, co = g.out_c, taps = g.filter_h * g.filter_w;
  const int64_t m = g.batch * g.out_h * g.out_w;
  const int64_t panels = (co + DNR - 1) / DNR, cblocks = (ci + FMR - 1) / FMR;
  const int64_t tiles = taps * cblocks * panels;
  const std::vector<float> zeros((size_t)(ci + FMR), 0.f);
  const int parts = (int)std::min<int64_t>(tiles, 4 * thread_count());
  run_tasks(parts, 2.0 * (double)m * (double)(taps * ci) * (double)co, [&](int part) {
    const int64_t t0 = tiles * part / parts, t1 = tiles * (part + 1) / parts;
    if (t0 >= t1) return;
    // Tiles are ordered (tap, channel block, panel): this part's taps are a range.
    const int64_t tap0 = t0 / (cblocks * panels), tap1 = (t1 - 1) / (cblocks * panels) + 1;
    std::vector<const float*> ptr((size_t)(FQ * (tap1 - tap0)));
    std::vector<int64_t> tap_h((size_t)(tap1 - tap0)), tap_w((size_t)(tap1 - tap0));
    for (int64_t tap = tap0; tap < tap1; ++tap) {
      tap_h[tap - tap0] = tap / g.filter_w * g.dilation_h - g.pad_top;
      tap_w[tap - tap0] = tap % g.filter_w * g.dilation_w - g.pad_left;
    }
    // The last panel when it is partial: dy's block copied, zero-padded to DNR columns.
    const bool partial = co % DNR != 0;
    std::vector<dvec> last_panel(partial ? (size_t)(FQ * DNR / DVW) : 0);
    float* lp = reinterpret_cast<float*>(last_panel.data());
    for (int64_t q0 = 0; q0 < m; q0 += FQ) {
      const int64_t qn = std::min(FQ, m - q0);
      for (int64_t qi = 0; qi < qn; ++qi) {
        const int64_t q = q0 + qi;
        const int64_t ow = q % g.out_w, oh = (q / g.out_w) % g.out_h, n = q / (g.out_w * g.out_h);
        const float* image = x + n * g.in_h * g.in_w * pix;
        const float** row = ptr.data() + qi * (tap1 - tap0);
        for (int64_t t = 0; t < tap1 - tap0; ++t) {
          const int64_t h = oh * g.stride_h + tap_h[t], w = ow * g.stride_w + tap_w[t];
          row[t] = h >= 0 && h < g.in_h && w >= 0 && w < g.in_w ? image + (h * g.in_w + w) * pix : zeros.data();
        }
      }
      if (partial) {
        const int64_t j0 = (panels - 1) * DNR, nr = co - j0;
        for (int64_t qi = 0; qi < qn; ++qi) {
          for (int64_t j = 0; j < nr; ++j) lp[qi * DNR + j] = dy[(q0 + qi) * co + j0 + j];
          for (int64_t j = nr; j < DNR; ++j) lp[qi * DNR + j] = 0.f;
        }
      }
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t panel = t % panels, cb = (t / panels) % cblocks, tap = t / (panels * cblocks);
        const int64_t c0 = cb * FMR, mr = std::min<int64_t>(FMR, ci - c0);
        const int64_t j0 = panel * DNR, nr = std::min<int64_t>(DNR, co - j0);
        const bool in_place = nr == DNR;
        const float* bp = in_place ? dy + q0 * co + j0 : lp;
        const int64_t bstride = in_place ? co : DNR;
        // Rows past the last channel read channel c0 again (in bounds) and are dropped.
        int64_t off[FMR];
        for (int i = 0; i < FMR; ++i) off[i] = i < mr ? c0 + i : c0;
        dvec acc[FMR][2];
        for (int i = 0; i < FMR; ++i) acc[i][0] = acc[i][1] = dvec{};
        const float* const* pq = ptr.data() + (tap - tap0);
        const int64_t pstride = tap1 - tap0;
        if (mr == FMR) {
          for (int64_t qi = 0; qi < qn; ++qi) {
            const dvec b0 = *reinterpret_cast<const duvec*>(bp);
            const dvec b1 = *reinterpret_cast<const duvec*>(bp + DVW);
            const float* a = pq[qi * pstride] + c0;
#pragma GCC unroll 8
            for (int i = 0; i < FMR; ++i) {
              acc[i][0] += a[i] * b0;
              acc[i][1] += a[i] * b1;
            }
            bp += bstride;
          }
        } else {
          for (int64_t qi = 0; qi < qn; ++qi) {
            const dvec b0 = *reinterpret_cast<const duvec*>(bp);
            const dvec b1 = *reinterpret_cast<const duvec*>(bp + DVW);
            const float* a = pq[qi * pstride];
#pragma GCC unroll 8
            for (int i = 0; i < FMR; ++i) {
              const float v = a[off[i]];
              acc[i][0] += v * b0;
              acc[i][1] += v * b1;
            }
            bp += bstride;
          }
        }
        for (int64_t i = 0; i < mr; ++i) {
          float* row = dw + (tap * ci + c0 + i) * co + j0;
          alignas(64) float tile[DNR];
          std::memcpy(tile, &acc[i][0], sizeof(tile));
          if (q0 == 0) {
            for (int64_t j = 0; j < nr; ++j) row[j] = tile[j];
          } else {
            for (int64_t j = 0; j < nr; ++j) row[j] += tile[j];
          }
        }
      }
    }
  });
}

// Fewer than 16 input channels (an image's 1 or 3) make a tap's run too short for the
// direct kernels; a whole filter row's is FW·CI floats, contiguous in x where the row
// lies inside the image. So x is copied once with its padding written out (small: few
// channels), and the convolution becomes one with FW·CI "channels" per pixel and a
// filter one pixel wide, whose runs start CI floats apart (overlapping). The filter's
// [FH, FW, CI, CO] layout is already [FH, 1, FW·CI, CO].
struct RowPadded {
  ConvGeometry g;
  std::vector<float> x;
};

bool use_row_padded(const ConvGeometry& g) { return g.in_c < 16 && g.dilation_w == 1 && g.filter_w * g.in_c >= 3 && !is_pointwise(g); }

RowPadded row_padded(const ConvGeometry& g, const float* x) {
  RowPadded r{g, {}};
  r.g.in_h = (g.out_h - 1) * g.stride_h + (g.filter_h - 1) * g.dilation_h + 1;
  r.g.in_w = (g.out_w - 1) * g.stride_w + g.filter_w;
  r.g.in_c = g.filter_w * g.in_c;
  r.g.filter_w = 1;
  r.g.pad_top = r.g.pad_left = 0;
  const int64_t hp = r.g.in_h, wp = r.g.in_w, ci = g.in_c;
  r.x.assign((size_t)(g.batch * hp * wp * ci), 0.f);
  float* xp = r.x.data();
  parallel_for((int)std::min<int64_t>(g.batch, thread_count()), [&](int t) {
    const int64_t parts = std::min<int64_t>(g.batch, thread_count());
    for (int64_t n = g.batch * t / parts; n < g.batch * (t + 1) / parts; ++n)
      for (int64_t h = 0; h < hp; ++h) {
        const int64_t hs = h - g.pad_top;
        if (hs < 0 || hs >= g.in_h) continue;
        const int64_t w0 = std::max<int64_t>(0, g.pad_left), w1 = std::min<int64_t>(wp, g.in_w + g.pad_left);
        if (w0 >= w1) continue;
        std::memcpy(xp + ((n * hp + h) * wp + w0) * ci, x + ((n * g.in_h + hs) * g.in_w + w0 - g.pad_left) * ci,
                    (size_t)((w1 - w0) * ci) * sizeof(float));
      }
  });
  return r;
}

}  // namespace

void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y) {
  const int64_t m = g.batch * g.out_h * g.out_w, k = g.filter_h * g.filter_w * g.in_c, co = g.out_c;
  if (use_direct(g)) {
    direct_conv(g, x, w, y, g.in_c);
    return;
  }
  if (use_row_padded(g)) {
    const RowPadded r = row_padded(g, x);
    direct_conv(r.g, r.x.data(), w, y, g.in_c);
    return;
  }
  const bool chunked = for_each_chunk(g, [&](int64_t r0, int64_t rows, float* cols) {
    im2col(g, x, r0, rows, cols);
    sgemm(false, false, rows, co, k, cols, k, w, co, y + r0 * co, co, false);
  });
  if (!chunked) sgemm(false, false, m, co, k, x, k, w, co, y, co, false);
}

void conv2d_backprop_input(const ConvGeometry& g, const float* dy, const float* w, float* dx) {
  const int64_t m = g.batch * g.out_h * g.out_w, k = g.filter_h * g.filter_w * g.in_c, co = g.out_c;
  // Not for fewer than 16 input channels (an image's 1 or 3): the turned product would
  // be CI columns wide, a fraction of the 32-column tiles the GEMM computes anyway
  // (conv_bn's first layer: 8 ms for 57 MFLOP), where the scatter's is FH·FW·CI wide.
  if (g.stride_h == 1 && g.stride_w == 1 && g.dilation_h == 1 && g.dilation_w == 1 && g.in_c >= 16 && !is_pointwise(g)) {
    // With stride 1 and no dilation, dx is the forward convolution of dy with the filter
    // turned by 180° and its channels swapped (padded by F − 1 − pad): one product with
    // inner dimension FH·FW·CO per output row, instead of a product with inner dimension
    // CO whose FH·FW·CI-wide rows are then scattered back and added pixel by pixel.
    const int64_t fh = g.filter_h, fw = g.filter_w, ci = g.in_c;
    std::vector<float> turned((size_t)(fh * fw * co * ci));
    for (int64_t a = 0; a < fh; ++a)
      for (int64_t b = 0; b < fw; ++b)
        for (int64_t c = 0; c < co; ++c)
          for (int64_t i = 0; i < ci; ++i)
            turned[((a * fw + b) * co + c) * ci + i] = w[(((fh - 1 - a) * fw + (fw - 1 - b)) * ci + i) * co + c];
    ConvGeometry t = g;
    t.in_h = g.out_h, t.in_w = g.out_w, t.in_c = co;
    t.out_h = g.in_h, t.out_w = g.in_w, t.out_c = ci;
    t.pad_top = fh - 1 - g.pad_top, t.pad_left = fw - 1 - g.pad_left;
    conv2d_forward(t, dy, turned.data(), dx);
    return;
  }
  if (!is_pointwise(g)) std::memset(dx, 0, (size_t)(g.batch * g.in_h * g.in_w * g.in_c) * sizeof(float));
  const bool chunked = for_each_chunk(g, [&](int64_t r0, int64_t rows, float* cols) {
    sgemm(false, true, rows, k, co, dy + r0 * co, co, w, co, cols, k, false);
    col2im_add(g, cols, r0, rows, dx);
  });
  if (!chunked) sgemm(false, true, m, k, co, dy, co, w, co, dx, k, false);
}

void conv2d_backprop_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  const int64_t m = g.batch * g.out_h * g.out_w, k = g.filter_h * g.filter_w * g.in_c, co = g.out_c;
  if (use_direct(g)) {
    direct_filter_grad(g, x, dy, dw, g.in_c);
    return;
  }
  if (use_row_padded(g)) {
    const RowPadded r = row_padded(g, x);
    direct_filter_grad(r.g, r.x.data(), dy, dw, g.in_c);
    return;
  }
  const bool chunked = for_each_chunk(g, [&](int64_t r0, int64_t rows, float* cols) {
    im2col(g, x, r0, rows, cols);
    sgemm(true, false, k, co, rows, cols, k, dy + r0 * co, co, dw, co, r0 > 0);
  });
  if (!chunked) sgemm(true, false, k, co, m, x, k, dy, co, dw, co, false);
}

// Calls f(n, oh, ow, hs, he, ws, we) for every output position with its window
// clipped to the image; images go to different threads.
template <typename F>
void for_each_window(const PoolGeometry& g, F f) {
  parallel_for((int)g.batch, [&](int n) {
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      const int64_t h0 = oh * g.stride_h - g.pad_top;
      const int64_t hs = std::max<int64_t>(0, h0), he = std::min<int64_t>(g.in_h, h0 + g.filter_h);
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const int64_t w0 = ow * g.stride_w - g.pad_left;
        const int64_t ws = std::max<int64_t>(0, w0), we = std::min<int64_t>(g.in_w, w0 + g.filter_w);
        f(n, oh, ow, hs, he, ws, we);
      }
    }
  });
}

void max_pool(const PoolGeometry& g, const float* x, float* y) {
  const int64_t C = g.channels;
  for_each_window(g, [&](int64_t n, int64_t oh, int64_t ow, int64_t hs, int64_t he, int64_t ws, int64_t we) {
    const float* xb = x + n * g.in_h * g.in_w * C;
    float* out = y + ((n * g.out_h + oh) * g.out_w + ow) * C;
    for (int64_t c = 0; c < C; ++c) out[c] = -std::numeric_limits<float>::infinity();
    for (int64_t h = hs; h < he; ++h)
      for (int64_t w = ws; w < we; ++w) {
        const float* px = xb + (h * g.in_w + w) * C;
        // NaN wins, as in TensorFlow.js's cpu backend.
        for (int64_t c = 0; c < C; ++c) out[c] = (px[c] > out[c] || px[c] != px[c]) ? px[c] : out[c];
      }
  });
}

void max_pool_grad(const PoolGeometry& g, const float* x, const float* dy, float* dx) {
  const int64_t C = g.channels;
  const int64_t image = g.in_h * g.in_w * C;
  parallel_for((int)g.batch, [&](int n) { std::memset(dx + n * image, 0, image * sizeof(float)); });
  for_each_window(g, [&](int64_t n, int64_t oh, int64_t ow, int64_t hs, int64_t he, int64_t ws, int64_t we) {
    if (hs >= he || ws >= we) return;
    const float* xb = x + n * image;
    float* dxb = dx + n * image;
    const float* grad = dy + ((n * g.out_h + oh) * g.out_w + ow) * C;
    const int64_t count = (he - hs) * (we - ws);
    int64_t c = 0;
    // 16 channels at a time: each lane scans the window in the same order with the same
    // strict comparison as the scalar loop below (the first maximum wins, a NaN first
    // keeps it), then every window pixel adds its lane's gradient or 0 (exact, and in
    // the same window order where windows overlap).
    for (; c + 16 <= C && count <= (int64_t)1 << 30; c += 16) {
      typedef float f16 __attribute__((vector_size(64)));
      typedef float uf16 __attribute__((vector_size(64), aligned(4)));
      typedef int32_t i16 __attribute__((vector_size(64)));
      const float* corner = xb + (hs * g.in_w + ws) * C + c;
      f16 best = *reinterpret_cast<const uf16*>(corner);
      i16 at = i16{} , pos = i16{};
      for (int64_t h = hs; h < he; ++h)
        for (int64_t w = (h == hs ? ws + 1 : ws); w < we; ++w) {
          pos += 1;
          const f16 v = *reinterpret_cast<const uf16*>(xb + (h * g.in_w + w) * C + c);
          const i16 more = v > best;
          best = more ? v : best;
          at = more ? pos : at;
        }
      const f16 gv = *reinterpret_cast<const uf16*>(grad + c);
      pos = i16{};
      for (int64_t h = hs; h < he; ++h)
        for (int64_t w = ws; w < we; ++w) {
          uf16* out = reinterpret_cast<uf16*>(dxb + (h * g.in_w + w) * C + c);
          *out += at == pos ? gv : f16{};
          pos += 1;
        }
    }
    for (; c < C; ++c) {
      // The first maximum in row-major window order takes the gradient.
      int64_t where = (hs * g.in_w + ws) * C + c;
      float best = xb[where];
      for (int64_t h = hs; h < he; ++h)
        for (int64_t w = ws; w < we; ++w) {
          const int64_t i = (h * g.in_w + w) * C + c;
          if (xb[i] > best) {
            best = xb[i];
            where = i;
          }
        }
      dxb[where] += grad[c];
    }
  });
}

}  // namespace algobench
