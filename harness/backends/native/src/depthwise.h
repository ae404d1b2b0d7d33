// The depthwise 2-D convolution (NHWC input, filter [FH, FW, C, M], C·M output
// channels: output channel c·M + m is input channel c under filter m) and its
// gradients, which TensorFlow.js's wasm backend lacks (the forward pass it has runs
// on one thread). The geometry is conv.h's with in_c = C and out_c = C·M.
#pragma once
#include "conv.h"

namespace algobench {

// y[N,OH,OW,C·M] (overwritten) from x[N,H,W,C] and w.
void depthwise_forward(const ConvGeometry& g, const float* x, const float* w, float* y);
// dx[N,H,W,C] (overwritten) from dy[N,OH,OW,C·M] and w.
void depthwise_backprop_input(const ConvGeometry& g, const float* dy, const float* w, float* dx);
// dw[FH,FW,C,M] (overwritten) from x[N,H,W,C] and dy.
void depthwise_backprop_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw);

}  // namespace algobench
