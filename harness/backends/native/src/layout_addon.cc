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
#include "stock.h"

namespace algobench {
namespace {

bool fail(napi_env env, const std::string& message) {
  napi_throw_error(env, "E_NATIVE_KERNEL", message.c_str());
  return false;
}

// A typed array's bytes and byte length, or nullptr (with a thrown error).
uint8_t* bytes_of(napi_env env, napi_value value, size_t* size) {
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  napi_value buffer;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset) != napi_ok) {
    fail(env, "expected a typed array");
    return nullptr;
  }
  static const size_t widths[] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8};
  *size = length * (type < 11 ? widths[type] : 1);
  return static_cast<uint8_t*>(data);
}

std::vector<double> doubles_of(napi_env env, napi_value value) {
  size_t size = 0;
  const double* v = reinterpret_cast<const double*>(bytes_of(env, value, &size));
  return v == nullptr ? std::vector<double>{} : std::vector<double>(v, v + size / 8);
}

double number_of(napi_env env, napi_value value) {
  double v = 0;
  if (napi_get_value_double(env, value, &v) != napi_ok) fail(env, "expected a number");
  return v;
}

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
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 8) return fail(env, "stridedCopy takes 8 arguments"), nullptr;
  size_t lx = 0, ly = 0;
  const uint8_t* x = bytes_of(env, argv[0], &lx);
  uint8_t* y = bytes_of(env, argv[1], &ly);
  if (x == nullptr || y == nullptr) return nullptr;
  const int elem = (int)number_of(env, argv[2]);
  const int64_t src0 = (int64_t)number_of(env, argv[3]), dst0 = (int64_t)number_of(env, argv[4]);
  std::vector<int64_t> dims, ss, ds;
  for (double d : doubles_of(env, argv[5])) dims.push_back((int64_t)d);
  for (double d : doubles_of(env, argv[6])) ss.push_back((int64_t)d);
  for (double d : doubles_of(env, argv[7])) ds.push_back((int64_t)d);
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
  if (!ok) return fail(env, "stridedCopy: a view reaches outside its array, or a bad element size"), nullptr;
  strided_copy(x + src0 * elem, y + dst0 * elem, elem, (int)dims.size(), dims.data(), ss.data(), ds.data());
  return nullptr;
}

// The three depthwise kernels: mode 0 (x, w → y), 1 (dy, w → dx), 2 (x, dy → dw), with
// every operand checked to hold what the geometry reaches.
napi_value Depthwise(napi_env env, int mode, napi_value a0, napi_value a1, napi_value a2, napi_value geometry, const char* name) {
  size_t l0 = 0, l1 = 0, l2 = 0;
  const float* in0 = reinterpret_cast<const float*>(bytes_of(env, a0, &l0));
  const float* in1 = reinterpret_cast<const float*>(bytes_of(env, a1, &l1));
  float* out = reinterpret_cast<float*>(bytes_of(env, a2, &l2));
  const std::vector<double> v = doubles_of(env, geometry);
  if (in0 == nullptr || in1 == nullptr || out == nullptr) return nullptr;
  if (v.size() != 15) return fail(env, "depthwise geometry must have 15 numbers"), nullptr;
  ConvGeometry g;
  int64_t* fields = &g.batch;
  for (int i = 0; i < 15; ++i) fields[i] = (int64_t)v[i];
  bool ok = g.in_c >= 1 && g.out_c % g.in_c == 0 && g.stride_h >= 1 && g.stride_w >= 1 && g.dilation_h >= 1 && g.dilation_w >= 1;
  for (int i = 0; i < 9; ++i) ok = ok && fields[i] >= 0;
  const size_t xs = 4 * g.batch * g.in_h * g.in_w * g.in_c, ys = 4 * g.batch * g.out_h * g.out_w * g.out_c,
               ws = 4 * g.filter_h * g.filter_w * g.out_c;
  ok = ok && (mode == 0   ? (l0 >= xs && l1 >= ws && l2 >= ys)
              : mode == 1 ? (l0 >= ys && l1 >= ws && l2 >= xs)
              : mode == 2 ? (l0 >= xs && l1 >= ys && l2 >= ws)
                          : false);
  if (!ok) return fail(env, std::string(name) + ": bad mode, geometry or operand sizes"), nullptr;
  if (mode == 0) depthwise_forward(g, in0, in1, out);
  else if (mode == 1) depthwise_backprop_input(g, in0, in1, out);
  else depthwise_backprop_filter(g, in0, in1, out);
  return nullptr;
}

// depthwiseConv2dGrad(mode, in0, in1, out, geometry[15]): mode 1 (dy, w → dx), 2 (x, dy → dw).
napi_value DepthwiseGrad(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 5) return fail(env, "depthwiseConv2dGrad takes 5 arguments"), nullptr;
  const int mode = (int)number_of(env, argv[0]);
  if (mode != 1 && mode != 2) return fail(env, "depthwiseConv2dGrad: mode must be 1 or 2"), nullptr;
  return Depthwise(env, mode, argv[1], argv[2], argv[3], argv[4], "depthwiseConv2dGrad");
}

// depthwiseConv2d(x, w, y, geometry[15]).
napi_value DepthwiseForward(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 4) return fail(env, "depthwiseConv2d takes 4 arguments"), nullptr;
  return Depthwise(env, 0, argv[0], argv[1], argv[2], argv[3], "depthwiseConv2d");
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
