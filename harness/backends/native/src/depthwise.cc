// Both gradients are written as gathers, so threads never write the same element and
// every sum runs in a fixed order (the same bits whatever the thread count): dx by
// input rows (each pixel sums the output positions whose window covers it), dw by
// filter taps (each tap sums over the whole batch).
#include "depthwise.h"

#include <algorithm>
#include <vector>

#include "split.h"

namespace algobench {

void depthwise_backprop_input(const ConvGeometry& g, const float* dy, const float* w, float* dx) {
  const int64_t C = g.in_c, M = g.out_c / g.in_c, OC = g.out_c;
  const int64_t rows = g.batch * g.in_h;
  split_range(rows, rows * g.in_w * C * g.filter_h * g.filter_w, [&](int64_t lo, int64_t hi) {
    for (int64_t row = lo; row < hi; ++row) {
      const int64_t n = row / g.in_h, h = row % g.in_h;
      for (int64_t x = 0; x < g.in_w; ++x) {
        float* out = dx + (row * g.in_w + x) * C;
        std::fill(out, out + C, 0.f);
        for (int64_t a = 0; a < g.filter_h; ++a) {
          const int64_t hn = h + g.pad_top - a * g.dilation_h;
          if (hn < 0 || hn % g.stride_h != 0 || hn / g.stride_h >= g.out_h) continue;
          const int64_t oh = hn / g.stride_h;
          for (int64_t b = 0; b < g.filter_w; ++b) {
            const int64_t wn = x + g.pad_left - b * g.dilation_w;
            if (wn < 0 || wn % g.stride_w != 0 || wn / g.stride_w >= g.out_w) continue;
            const int64_t ow = wn / g.stride_w;
            const float* d = dy + ((n * g.out_h + oh) * g.out_w + ow) * OC;
            const float* f = w + (a * g.filter_w + b) * OC;
            if (M == 1) {
              for (int64_t c = 0; c < C; ++c) out[c] += d[c] * f[c];
            } else {
              for (int64_t c = 0; c < C; ++c)
                for (int64_t m = 0; m < M; ++m) out[c] += d[c * M + m] * f[c * M + m];
            }
          }
        }
      }
    }
  });
}

void depthwise_backprop_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  const int64_t C = g.in_c, M = g.out_c / g.in_c, OC = g.out_c;
  const int64_t taps = g.filter_h * g.filter_w;
  split_range(taps, taps * g.batch * g.out_h * g.out_w * OC, [&](int64_t lo, int64_t hi) {
    for (int64_t tap = lo; tap < hi; ++tap) {
      const int64_t a = tap / g.filter_w, b = tap % g.filter_w;
      float* acc = dw + tap * OC;
      std::fill(acc, acc + OC, 0.f);
      for (int64_t n = 0; n < g.batch; ++n)
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          const int64_t h = oh * g.stride_h - g.pad_top + a * g.dilation_h;
          if (h < 0 || h >= g.in_h) continue;
          for (int64_t ow = 0; ow < g.out_w; ++ow) {
            const int64_t wi = ow * g.stride_w - g.pad_left + b * g.dilation_w;
            if (wi < 0 || wi >= g.in_w) continue;
            const float* src = x + ((n * g.in_h + h) * g.in_w + wi) * C;
            const float* d = dy + ((n * g.out_h + oh) * g.out_w + ow) * OC;
            if (M == 1) {
              for (int64_t c = 0; c < C; ++c) acc[c] += src[c] * d[c];
            } else {
              for (int64_t c = 0; c < C; ++c)
                for (int64_t m = 0; m < M; ++m) acc[c * M + m] += src[c] * d[c * M + m];
            }
          }
        }
    }
  });
}

}  // namespace algobench
