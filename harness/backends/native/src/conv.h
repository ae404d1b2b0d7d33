// 2-D convolution (NHWC input, HWIO filter) and max-pool gradient for algobench's
// tfjs kernels. The forward convolution (and dx with stride 1, as the forward
// convolution of dy with the turned filter) and the filter gradient are direct:
// register-tiled products that read patches from x in place (with 16 or more input
// channels) or from a copy of x with its padding written out (fewer channels, no
// dilation across columns). Other cases (and dx otherwise) are im2col + sgemm over
// chunks of output rows, so the column buffer stays small and every chunk is one
// well-shaped matrix product.
#pragma once
#include <cstdint>

namespace algobench {

struct ConvGeometry {
  int64_t batch, in_h, in_w, in_c;
  int64_t out_h, out_w, out_c;
  int64_t filter_h, filter_w;
  int64_t stride_h, stride_w;
  int64_t dilation_h, dilation_w;
  int64_t pad_top, pad_left;
};

// y[N,OH,OW,CO] = conv(x[N,H,W,CI], w[FH,FW,CI,CO]).
void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y);
// dx[N,H,W,CI] from dy[N,OH,OW,CO] and w.
void conv2d_backprop_input(const ConvGeometry& g, const float* dy, const float* w, float* dx);
// dw[FH,FW,CI,CO] from x and dy.
void conv2d_backprop_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw);

struct PoolGeometry {
  int64_t batch, in_h, in_w, channels;
  int64_t out_h, out_w;
  int64_t filter_h, filter_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left;
};

// y[N,OH,OW,C] = the maximum of each window.
void max_pool(const PoolGeometry& g, const float* x, float* y);

// dx[N,H,W,C] (overwritten): each output position's gradient goes to the first
// maximum of its window, as in TensorFlow.js's cpu backend.
void max_pool_grad(const PoolGeometry& g, const float* x, const float* dy, float* dx);

}  // namespace algobench
