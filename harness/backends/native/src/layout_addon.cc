// Node-API bindings of the strided copy (copy.cc) and the depthwise convolution
// and its gradients (depthwise.cc). As in stock_addon.cc, every index a kernel can touch is
// checked against the typed arrays here, so a wrong call throws instead of writing
// out of bounds.
#include <node_api.h>

#include <cstdint>
#include <string>
#include <vector>

#include "depthwise.h"
#include "layout_addon.h"
#include "napi_args.h"
#include "stock.h"

namespace algobench {
namespace {

// The lowest and highest element offset a view of `dims` with `strides` reaches from `base`.
void reach(int64_t base, const std::vector<int64_t>& dims, const std::vector<int64_t>& strides, int64_t* lo, int64_t* hi) {
  *lo = *hi = base;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t span = (dims[i] - 1) * strides[i];
    (span < 0 ? *lo : *hi) += span;
  }
}

// stridedCopy(x, y, elemBytes, srcOffset, dstOffset, dims, srcStrides, dstStrides): see strided_copy.
napi_value StridedCopy(napi_env env, napi_callback_info info) {
  NapiArgs c(env, info, "stridedCopy");
  size_t lx = 0, ly = 0;
  const uint8_t* x = c.bytes(0, &lx);
  uint8_t* y = c.bytes(1, &ly);
  const int elem = (int)c.number(2);
  const int64_t src0 = (int64_t)c.number(3), dst0 = (int64_t)c.number(4);
  const std::vector<int64_t> dims = c.integers(5), ss = c.integers(6), ds = c.integers(7);
  if (c.failed) return nullptr;
  bool ok = (elem == 1 || elem == 4) && dims.size() <= 16 && ss.size() == dims.size() && ds.size() == dims.size();
  bool empty = false;
  for (int64_t d : dims) ok = ok && d >= 0, empty = empty || d == 0;
  if (ok && empty) return nullptr;
  int64_t slo, shi, dlo, dhi;
  if (ok) {
    reach(src0, dims, ss, &slo, &shi);
    reach(dst0, dims, ds, &dlo, &dhi);
    ok = slo >= 0 && dlo >= 0 && (size_t)(shi + 1) * elem <= lx && (size_t)(dhi + 1) * elem <= ly;
  }
  if (!ok) return c.fail("a view reaches outside its array, or a bad element size"), nullptr;
  strided_copy(x + src0 * elem, y + dst0 * elem, elem, (int)dims.size(), dims.data(), ss.data(), ds.data());
  return nullptr;
}

// The three depthwise kernels: mode 0 (x, w → y), 1 (dy, w → dx), 2 (x, dy → dw), with
// every operand checked to hold what the geometry reaches; operands from argument `first`.
napi_value Depthwise(NapiArgs& c, int mode, size_t first) {
  size_t l0 = 0, l1 = 0, l2 = 0;
  const float* in0 = c.floats(first, &l0);
  const float* in1 = c.floats(first + 1, &l1);
  float* out = c.floats(first + 2, &l2);
  const std::vector<int64_t> v = c.integers(first + 3);
  if (c.failed) return nullptr;
  if (v.size() != 15) return c.fail("depthwise geometry must have 15 numbers"), nullptr;
  ConvGeometry g;
  int64_t* fields = &g.batch;
  for (int i = 0; i < 15; ++i) fields[i] = v[i];
  bool ok = g.in_c >= 1 && g.out_c % g.in_c == 0 && g.stride_h >= 1 && g.stride_w >= 1 && g.dilation_h >= 1 && g.dilation_w >= 1;
  for (int i = 0; i < 9; ++i) ok = ok && fields[i] >= 0;
  // Element counts (the operands are Float32Arrays).
  const size_t xs = g.batch * g.in_h * g.in_w * g.in_c, ys = g.batch * g.out_h * g.out_w * g.out_c,
               ws = g.filter_h * g.filter_w * g.out_c;
  ok = ok && (mode == 0   ? (l0 >= xs && l1 >= ws && l2 >= ys)
              : mode == 1 ? (l0 >= ys && l1 >= ws && l2 >= xs)
              : mode == 2 ? (l0 >= xs && l1 >= ys && l2 >= ws)
                          : false);
  if (!ok) return c.fail("bad mode, geometry or operand sizes"), nullptr;
  if (mode == 0) depthwise_forward(g, in0, in1, out);
  else if (mode == 1) depthwise_backprop_input(g, in0, in1, out);
  else depthwise_backprop_filter(g, in0, in1, out);
  return nullptr;
}

// depthwiseConv2dGrad(mode, in0, in1, out, geometry[15]): mode 1 (dy, w → dx), 2 (x, dy → dw).
napi_value DepthwiseGrad(napi_env env, napi_callback_info info) {
  NapiArgs c(env, info, "depthwiseConv2dGrad");
  const int64_t mode = c.integer(0);
  if (c.failed) return nullptr;
  if (mode != 1 && mode != 2) return c.fail("mode must be 1 or 2"), nullptr;
  return Depthwise(c, (int)mode, 1);
}

// depthwiseConv2d(x, w, y, geometry[15]).
napi_value DepthwiseForward(napi_env env, napi_callback_info info) {
  NapiArgs c(env, info, "depthwiseConv2d");
  return Depthwise(c, 0, 0);
}

}  // namespace

void define_layout_kernels(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"stridedCopy", nullptr, StridedCopy, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"depthwiseConv2d", nullptr, DepthwiseForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"depthwiseConv2dGrad", nullptr, DepthwiseGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace algobench
