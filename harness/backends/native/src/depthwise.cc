// The depthwise 2-D convolution and both its gradients. Threads never write the same
// element and every sum runs in a fixed order (the same bits whatever the thread
// count): y and dx are gathers by rows (each output sums its window, each input pixel
// the output positions whose window covers it); dw sums fixed chunks of output rows
// into partial gradients, added in chunk order. XNNPACK's forward kernel in tfjs-wasm
// runs on one thread.
#include "depthwise.h"

#include <algorithm>
#include <vector>

#include "split.h"

namespace algobench {

void depthwise_forward(const ConvGeometry& g, const float* x, const float* w, float* y) {
  const int64_t C = g.in_c, M = g.out_c / g.in_c, OC = g.out_c;
  const int64_t rows = g.batch * g.out_h;
  split_range(rows, rows * g.out_w * OC * g.filter_h * g.filter_w, [&](int64_t lo, int64_t hi) {
    for (int64_t row = lo; row < hi; ++row) {
      const int64_t n = row / g.out_h, oh = row % g.out_h;
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        float* out = y + (row * g.out_w + ow) * OC;
        std::fill(out, out + OC, 0.f);
        for (int64_t a = 0; a < g.filter_h; ++a) {
          const int64_t h = oh * g.stride_h - g.pad_top + a * g.dilation_h;
          if (h < 0 || h >= g.in_h) continue;
          for (int64_t b = 0; b < g.filter_w; ++b) {
            const int64_t wi = ow * g.stride_w - g.pad_left + b * g.dilation_w;
            if (wi < 0 || wi >= g.in_w) continue;
            const float* src = x + ((n * g.in_h + h) * g.in_w + wi) * C;
            const float* f = w + (a * g.filter_w + b) * OC;
            if (M == 1) {
              for (int64_t c = 0; c < C; ++c) out[c] += src[c] * f[c];
            } else {
              for (int64_t c = 0; c < C; ++c)
                for (int64_t m = 0; m < M; ++m) out[c * M + m] += src[c] * f[c * M + m];
            }
          }
        }
      }
    }
  });
}
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
  const int64_t size = g.filter_h * g.filter_w * OC;
  const int64_t rows = g.batch * g.out_h;
  // One pass over x and dy: fixed chunks of output rows (sized from the shapes alone,
  // at most ~64 of them) each sum every tap into a partial gradient of their own, and
  // the partials are added in chunk order, so the bits do not depend on the threads.
  const int64_t per_chunk = std::max<int64_t>(8, (rows + 63) / 64);
  const int64_t chunks = (rows + per_chunk - 1) / per_chunk;
  std::vector<float> partial((size_t)(chunks * size), 0.f);
  split_range(chunks, rows * g.out_w * size, [&](int64_t lo, int64_t hi) {
    for (int64_t ch = lo; ch < hi; ++ch) {
      float* acc = partial.data() + ch * size;
      for (int64_t row = ch * per_chunk; row < std::min(rows, (ch + 1) * per_chunk); ++row) {
        const int64_t n = row / g.out_h, oh = row % g.out_h;
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          const float* d = dy + (row * g.out_w + ow) * OC;
          for (int64_t a = 0; a < g.filter_h; ++a) {
            const int64_t h = oh * g.stride_h - g.pad_top + a * g.dilation_h;
            if (h < 0 || h >= g.in_h) continue;
            for (int64_t b = 0; b < g.filter_w; ++b) {
              const int64_t wi = ow * g.stride_w - g.pad_left + b * g.dilation_w;
              if (wi < 0 || wi >= g.in_w) continue;
              const float* src = x + ((n * g.in_h + h) * g.in_w + wi) * C;
              float* tap = acc + (a * g.filter_w + b) * OC;
              if (M == 1) {
                for (int64_t c = 0; c < C; ++c) tap[c] += src[c] * d[c];
              } else {
                for (int64_t c = 0; c < C; ++c)
                  for (int64_t m = 0; m < M; ++m) tap[c * M + m] += src[c] * d[c * M + m];
              }
            }
          }
        }
      }
    }
  });
  split_range(size, chunks * size, [&](int64_t lo, int64_t hi) {
    std::fill(dw + lo, dw + hi, 0.f);
    for (int64_t ch = 0; ch < chunks; ++ch) {
      const float* p = partial.data() + ch * size;
      for (int64_t i = lo; i < hi; ++i) dw[i] += p[i];
    }
  });
}

}  // namespace algobench
