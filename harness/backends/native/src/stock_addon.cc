// Node-API bindings of the stock-op kernels (stock.h). Tensors come as typed-array
// views over the wasm heap, whatever their element type; sizes are checked here
// against the shapes, so a wrong call throws instead of writing out of bounds.
#include <node_api.h>

#include <cstdint>
#include <string>
#include <vector>

#include "layout_addon.h"
#include "napi_args.h"
#include "stock.h"
#include "stock_addon.h"

namespace algobench {
namespace {

int64_t product(const std::vector<int64_t>& xs) {
  int64_t p = 1;
  for (int64_t x : xs) p *= x;
  return p;
}

size_t width(int dtype) { return dtype == kBool ? 1 : 4; }

// transpose(x, y, elemBytes, shape: Float64Array, perm: Float64Array)
napi_value Transpose(napi_env env, napi_callback_info info) {
  NapiArgs c(env, info, "transpose");
  size_t lx, ly;
  const uint8_t* x = c.bytes(0, &lx);
  uint8_t* y = c.bytes(1, &ly);
  const int elem = (int)c.number(2);
  const std::vector<int64_t> shape = c.integers(3), perm64 = c.integers(4);
  if (c.failed) return nullptr;
  const size_t rank = shape.size();
  std::vector<int> perm(perm64.begin(), perm64.end());
  std::vector<bool> seen(rank, false);
  bool ok = rank <= 8 && perm.size() == rank && (elem == 1 || elem == 4);
  for (int p : perm) ok = ok && p >= 0 && (size_t)p < rank && !seen[p] && (seen[p] = true);
  if (!c.require(ok && (size_t)product(shape) * elem <= lx && (size_t)product(shape) * elem <= ly)) return nullptr;
  transpose(x, y, elem, (int)rank, shape.data(), perm.data());
  return nullptr;
}

// gather(x, ids: Int32Array, y, outer, axis, innerBytes) → position of the first bad id, or −1
napi_value Gather(napi_env env, napi_callback_info info) {
  NapiArgs c(env, info, "gather");
  size_t lx, li, ly;
  const uint8_t* x = c.bytes(0, &lx);
  const int32_t* ids = reinterpret_cast<const int32_t*>(c.bytes(1, &li));
  uint8_t* y = c.bytes(2, &ly);
  const int64_t outer = (int64_t)c.number(3), axis = (int64_t)c.number(4), inner = (int64_t)c.number(5);
  const int64_t n = (int64_t)(li / 4);
  if (!c.require(outer >= 0 && axis >= 0 && inner >= 0 && (size_t)(outer * axis * inner) <= lx && (size_t)(outer * n * inner) <= ly)) return nullptr;
  napi_value out;
  napi_create_double(env, (double)gather(x, ids, y, outer, axis, n, inner), &out);
  return out;
}

// segmentSum(x: Float32Array, ids: Int32Array, y: Float32Array, rows, inner, segments)
napi_value SegmentSum(napi_env env, napi_callback_info info) {
  NapiArgs c(env, info, "segmentSum");
  size_t lx, li, ly;
  const float* x = reinterpret_cast<const float*>(c.bytes(0, &lx));
  const int32_t* ids = reinterpret_cast<const int32_t*>(c.bytes(1, &li));
  float* y = reinterpret_cast<float*>(c.bytes(2, &ly));
  const int64_t rows = (int64_t)c.number(3), inner = (int64_t)c.number(4), segments = (int64_t)c.number(5);
  if (!c.require(rows >= 0 && inner >= 0 && segments >= 0 && (size_t)rows * 4 <= li && (size_t)(rows * inner) * 4 <= lx && (size_t)(segments * inner) * 4 <= ly)) return nullptr;
  segment_sum(x, ids, y, rows, inner, segments);
  return nullptr;
}

// binary(op, dtype, a, b, out, shape, aStrides, bStrides)
napi_value Binary(napi_env env, napi_callback_info info) {
  NapiArgs c(env, info, "binary");
  const int op = (int)c.number(0), dtype = (int)c.number(1);
  size_t la, lb, lo;
  const uint8_t* a = c.bytes(2, &la);
  const uint8_t* b = c.bytes(3, &lb);
  uint8_t* out = c.bytes(4, &lo);
  const std::vector<int64_t> shape = c.integers(5), as = c.integers(6), bs = c.integers(7);
  if (c.failed) return nullptr;
  const size_t rank = shape.size();
  bool ok = rank <= 8 && as.size() == rank && bs.size() == rank && (dtype == kFloat32 || dtype == kInt32) && op >= kAdd && op <= kNotEqual;
  // The furthest element each operand is read at must lie inside it.
  int64_t a_last = 0, b_last = 0;
  for (size_t i = 0; ok && i < rank; ++i) {
    ok = shape[i] >= 1 && as[i] >= 0 && bs[i] >= 0;
    a_last += (shape[i] - 1) * as[i];
    b_last += (shape[i] - 1) * bs[i];
  }
  const size_t out_width = op >= kGreater ? 1 : 4;
  if (!c.require(ok && (size_t)(a_last + 1) * 4 <= la && (size_t)(b_last + 1) * 4 <= lb && (size_t)product(shape) * out_width <= lo)) return nullptr;
  binary(op, dtype, a, b, out, (int)rank, shape.data(), as.data(), bs.data());
  return nullptr;
}

// unary(op, x: Float32Array, y: Float32Array, alpha)
napi_value Unary(napi_env env, napi_callback_info info) {
  NapiArgs c(env, info, "unary");
  const int op = (int)c.number(0);
  size_t lx, ly;
  const float* x = reinterpret_cast<const float*>(c.bytes(1, &lx));
  float* y = reinterpret_cast<float*>(c.bytes(2, &ly));
  const double alpha = c.number(3);
  if (!c.require(op >= kSqrt && op <= kStep && ly >= lx)) return nullptr;
  unary(op, x, y, (int64_t)(lx / 4), (float)alpha);
  return nullptr;
}

// select(cond: Uint8Array, t, e, out, inner, elemBytes)
napi_value Select(napi_env env, napi_callback_info info) {
  NapiArgs c(env, info, "select");
  size_t lc, lt, le, lo;
  const uint8_t* cond = c.bytes(0, &lc);
  const uint8_t* t = c.bytes(1, &lt);
  const uint8_t* e = c.bytes(2, &le);
  uint8_t* out = c.bytes(3, &lo);
  const int64_t inner = (int64_t)c.number(4);
  const int elem = (int)c.number(5);
  const int64_t n = elem > 0 ? (int64_t)(lt / elem) : 0;
  if (!c.require((elem == 1 || elem == 4) && inner >= 1 && le >= lt && lo >= lt && (size_t)((n + inner - 1) / inner) <= lc)) return nullptr;
  select(cond, t, e, out, n, inner, elem);
  return nullptr;
}

// cast(x, y, n, from, to)
napi_value Cast(napi_env env, napi_callback_info info) {
  NapiArgs c(env, info, "cast");
  size_t lx, ly;
  const uint8_t* x = c.bytes(0, &lx);
  uint8_t* y = c.bytes(1, &ly);
  const int64_t n = (int64_t)c.number(2);
  const int from = (int)c.number(3), to = (int)c.number(4);
  if (!c.require(n >= 0 && from >= 0 && from <= 2 && to >= 0 && to <= 2 && (size_t)n * width(from) <= lx && (size_t)n * width(to) <= ly)) return nullptr;
  cast(x, y, n, from, to);
  return nullptr;
}

// oneHot(ids: Int32Array, y, depth, on, off, dtype)
napi_value OneHot(napi_env env, napi_callback_info info) {
  NapiArgs c(env, info, "oneHot");
  size_t li, ly;
  const int32_t* ids = reinterpret_cast<const int32_t*>(c.bytes(0, &li));
  uint8_t* y = c.bytes(1, &ly);
  const int64_t depth = (int64_t)c.number(2);
  const double on = c.number(3), off = c.number(4);
  const int dtype = (int)c.number(5);
  const int64_t n = (int64_t)(li / 4);
  if (!c.require(depth >= 0 && (dtype == kFloat32 || dtype == kInt32) && (size_t)(n * depth) * 4 <= ly)) return nullptr;
  one_hot(ids, y, n, depth, on, off, dtype);
  return nullptr;
}

// softmax(x, y, rows, cols, log)
napi_value Softmax(napi_env env, napi_callback_info info) {
  NapiArgs c(env, info, "softmax");
  size_t lx, ly;
  const float* x = reinterpret_cast<const float*>(c.bytes(0, &lx));
  float* y = reinterpret_cast<float*>(c.bytes(1, &ly));
  const int64_t rows = (int64_t)c.number(2), cols = (int64_t)c.number(3);
  const bool log = c.number(4) != 0;
  if (!c.require(rows >= 0 && cols >= 1 && (size_t)(rows * cols) * 4 <= lx && (size_t)(rows * cols) * 4 <= ly)) return nullptr;
  softmax(x, y, rows, cols, log);
  return nullptr;
}

// reduce(op, x: Float32Array, y, outer, reduced, inner)
napi_value Reduce(napi_env env, napi_callback_info info) {
  NapiArgs c(env, info, "reduce");
  const int op = (int)c.number(0);
  size_t lx, ly;
  const float* x = reinterpret_cast<const float*>(c.bytes(1, &lx));
  uint8_t* y = c.bytes(2, &ly);
  const int64_t outer = (int64_t)c.number(3), reduced = (int64_t)c.number(4), inner = (int64_t)c.number(5);
  if (!c.require(op >= kReduceMax && op <= kReduceArgMin && outer >= 0 && reduced >= 1 && inner >= 0 &&
                     (size_t)(outer * reduced * inner) * 4 <= lx && (size_t)(outer * inner) * 4 <= ly)) return nullptr;
  reduce(op, x, y, outer, reduced, inner);
  return nullptr;
}

}  // namespace

void define_stock_kernels(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"transpose", nullptr, Transpose, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gather", nullptr, Gather, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"segmentSum", nullptr, SegmentSum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"select", nullptr, Select, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cast", nullptr, Cast, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"oneHot", nullptr, OneHot, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmax", nullptr, Softmax, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduce", nullptr, Reduce, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  define_layout_kernels(env, exports);
}

}  // namespace algobench
