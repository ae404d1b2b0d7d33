// Node-API bindings of algobench's native kernels. Every function takes typed-array
// views (in practice over the wasm backend's heap) and plain numbers, works in place
// and returns nothing; shapes are checked by the TypeScript side, sizes here.
#include <node_api.h>

#include <cstdint>
#include <string>

#include "activation_grad.h"
#include "conv.h"
#include "elementwise.h"
#include "gemm.h"
#include "parallel.h"
#include "program.h"
#include "reduce.h"
#include "stock_addon.h"
#include "norm.h"
#include "rnn_cell.h"
#include "dots.h"
#include "schedule_free.h"
#include "adam_dots.h"
#include "eigh.h"
#include "factored_rms.h"
#include "napi_args.h"

namespace {


// batchMatMul(a, b, c, batch, m, n, k, transA, transB, aStride, bStride): for each of
// `batch` products, c[i] = op(a[i])·op(b[i]); a stride of 0 broadcasts that operand.
napi_value BatchMatMul(napi_env env, napi_callback_info info) {
  algobench::NapiArgs args(env, info, "batchMatMul");
  size_t la, lb, lc;
  const float* a = args.array<float>(0, napi_float32_array, &la);
  const float* b = args.array<float>(1, napi_float32_array, &lb);
  float* c = args.array<float>(2, napi_float32_array, &lc);
  const int64_t batch = args.integer(3), m = args.integer(4), n = args.integer(5), k = args.integer(6);
  const bool ta = args.flag(7), tb = args.flag(8);
  const int64_t sa = args.integer(9), sb = args.integer(10);
  if (args.failed) return nullptr;
  if (batch < 0 || m < 0 || n < 0 || k < 0 || (size_t)(batch * m * n) > lc ||
      (batch > 0 && ((size_t)((batch - 1) * sa + m * k) > la || (size_t)((batch - 1) * sb + k * n) > lb))) {
    args.fail("operand sizes do not match the shape");
    return nullptr;
  }
  const int64_t lda = ta ? m : k, ldb = tb ? k : n;
  auto one = [&](int i) { algobench::sgemm(ta, tb, m, n, k, a + i * sa, lda, b + i * sb, ldb, c + i * m * n, n, false); };
  // Many small products: one per task; a few big ones: each uses every thread itself.
  if (batch > 1 && (double)m * n * k < 2.0e5) algobench::parallel_for((int)batch, one);
  else for (int i = 0; i < batch; ++i) one(i);
  return nullptr;
}

bool conv_geometry(algobench::NapiArgs& args, size_t i, algobench::ConvGeometry* g) {
  size_t len;
  const double* v = args.array<double>(i, napi_float64_array, &len);
  if (v == nullptr) return false;
  if (len != 15) {
    args.fail("conv geometry must have 15 numbers");
    return false;
  }
  *g = {(int64_t)v[0], (int64_t)v[1], (int64_t)v[2], (int64_t)v[3], (int64_t)v[4], (int64_t)v[5], (int64_t)v[6], (int64_t)v[7],
        (int64_t)v[8], (int64_t)v[9], (int64_t)v[10], (int64_t)v[11], (int64_t)v[12], (int64_t)v[13], (int64_t)v[14]};
  return true;
}

// conv2d(mode, in0, in1, out, geometry): mode 0 forward (x, w → y), 1 input gradient
// (dy, w → dx), 2 filter gradient (x, dy → dw).
napi_value Conv2d(napi_env env, napi_callback_info info) {
  algobench::NapiArgs args(env, info, "conv2d");
  const int64_t mode = args.integer(0);
  size_t l0, l1, l2;
  const float* in0 = args.array<float>(1, napi_float32_array, &l0);
  const float* in1 = args.array<float>(2, napi_float32_array, &l1);
  float* out = args.array<float>(3, napi_float32_array, &l2);
  algobench::ConvGeometry g;
  if (args.failed || !conv_geometry(args, 4, &g)) return nullptr;
  const size_t xs = g.batch * g.in_h * g.in_w * g.in_c, ys = g.batch * g.out_h * g.out_w * g.out_c,
               ws = g.filter_h * g.filter_w * g.in_c * g.out_c;
  const bool ok = mode == 0 ? (l0 >= xs && l1 >= ws && l2 >= ys)
                : mode == 1 ? (l0 >= ys && l1 >= ws && l2 >= xs)
                : mode == 2 ? (l0 >= xs && l1 >= ys && l2 >= ws) : false;
  if (!ok) {
    args.fail("bad mode or operand sizes");
    return nullptr;
  }
  if (mode == 0) algobench::conv2d_forward(g, in0, in1, out);
  else if (mode == 1) algobench::conv2d_backprop_input(g, in0, in1, out);
  else algobench::conv2d_backprop_filter(g, in0, in1, out);
  return nullptr;
}

bool pool_geometry(algobench::NapiArgs& args, size_t i, algobench::PoolGeometry* g) {
  size_t len;
  const double* v = args.array<double>(i, napi_float64_array, &len);
  if (v == nullptr) return false;
  if (len != 12) {
    args.fail("pool geometry must have 12 numbers");
    return false;
  }
  *g = {(int64_t)v[0], (int64_t)v[1], (int64_t)v[2], (int64_t)v[3], (int64_t)v[4], (int64_t)v[5],
        (int64_t)v[6], (int64_t)v[7], (int64_t)v[8], (int64_t)v[9], (int64_t)v[10], (int64_t)v[11]};
  return true;
}

// maxPoolGrad(x, dy, dx, geometry[12]).
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  algobench::NapiArgs args(env, info, "maxPoolGrad");
  size_t lx, ldy, ldx;
  const float* x = args.array<float>(0, napi_float32_array, &lx);
  const float* dy = args.array<float>(1, napi_float32_array, &ldy);
  float* dx = args.array<float>(2, napi_float32_array, &ldx);
  algobench::PoolGeometry g;
  if (args.failed || !pool_geometry(args, 3, &g)) return nullptr;
  const size_t xs = g.batch * g.in_h * g.in_w * g.channels, ys = g.batch * g.out_h * g.out_w * g.channels;
  if (lx < xs || ldx < xs || ldy < ys) {
    args.fail("operand sizes do not match the shape");
    return nullptr;
  }
  algobench::max_pool_grad(g, x, dy, dx);
  return nullptr;
}

// maxPool(x, y, geometry[12]).
napi_value MaxPool(napi_env env, napi_callback_info info) {
  algobench::NapiArgs args(env, info, "maxPool");
  size_t lx, ly;
  const float* x = args.array<float>(0, napi_float32_array, &lx);
  float* y = args.array<float>(1, napi_float32_array, &ly);
  algobench::PoolGeometry g;
  if (args.failed || !pool_geometry(args, 2, &g)) return nullptr;
  if (lx < (size_t)(g.batch * g.in_h * g.in_w * g.channels) || ly < (size_t)(g.batch * g.out_h * g.out_w * g.channels)) {
    args.fail("operand sizes do not match the shape");
    return nullptr;
  }
  algobench::max_pool(g, x, y);
  return nullptr;
}

// reduceSum(x, y, outer, reduced, inner, scale): y[o,i] = scale·Σ_r x[o,r,i].
napi_value ReduceSum(napi_env env, napi_callback_info info) {
  algobench::NapiArgs args(env, info, "reduceSum");
  size_t lx, ly;
  const float* x = args.array<float>(0, napi_float32_array, &lx);
  float* y = args.array<float>(1, napi_float32_array, &ly);
  const int64_t outer = args.integer(2), reduced = args.integer(3), inner = args.integer(4);
  const double scale = args.number(5);
  if (args.failed) return nullptr;
  if (outer < 0 || reduced < 0 || inner < 0 || (size_t)(outer * reduced * inner) > lx || (size_t)(outer * inner) > ly) {
    args.fail("operand sizes do not match the shape");
    return nullptr;
  }
  algobench::reduce_sum(x, y, outer, reduced, inner, (float)scale);
  return nullptr;
}

// adamMoments(g, m, v, mOut, vOut, update, coefficients[9]): see elementwise.h;
// coefficients are b1, 1−b1, b2, 1−b2, eps, c1, c2, nesterov (0/1), look_m, look_g.
napi_value AdamMoments(napi_env env, napi_callback_info info) {
  algobench::NapiArgs args(env, info, "adamMoments");
  size_t lg, lm, lv, lmo, lvo, lu, lk;
  const float* g = args.array<float>(0, napi_float32_array, &lg);
  const float* m = args.array<float>(1, napi_float32_array, &lm);
  const float* v = args.array<float>(2, napi_float32_array, &lv);
  float* mo = args.array<float>(3, napi_float32_array, &lmo);
  float* vo = args.array<float>(4, napi_float32_array, &lvo);
  float* u = args.array<float>(5, napi_float32_array, &lu);
  const double* c = args.array<double>(6, napi_float64_array, &lk);
  if (args.failed) return nullptr;
  if (lk != 10 || lm != lg || lv != lg || lmo != lg || lvo != lg || lu != lg) {
    args.fail("operands must have one size and 10 coefficients");
    return nullptr;
  }
  const algobench::AdamCoefficients k{(float)c[0], (float)c[1], (float)c[2], (float)c[3], (float)c[4],
                                      (float)c[5], (float)c[6], c[7] != 0, (float)c[8], (float)c[9]};
  algobench::adam_moments(k, (int64_t)lg, g, m, v, mo, vo, u);
  return nullptr;
}

napi_value Threads(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_int32(env, algobench::thread_count(), &out);
  return out;
}

// serialKernels(on: boolean): every kernel on the calling thread, or on the pool again.
napi_value SerialKernels(napi_env env, napi_callback_info info) {
  algobench::NapiArgs args(env, info, "serialKernels");
  bool on = false;
  if (args.count < 1 || napi_get_value_bool(env, args.values[0], &on) != napi_ok) {
    args.fail("argument 0 must be a boolean");
    return nullptr;
  }
  algobench::serial_kernels(on);
  return nullptr;
}

// pinThread(cpus: Float64Array): pins the calling (main) thread to these CPUs; whether it did.
napi_value PinThread(napi_env env, napi_callback_info info) {
  algobench::NapiArgs args(env, info, "pinThread");
  const std::vector<int64_t> cpus = args.integers(0);
  if (args.failed) return nullptr;
  std::vector<int> list(cpus.begin(), cpus.end());
  napi_value out;
  napi_get_boolean(env, algobench::pin_calling_thread(list.data(), (int)list.size()), &out);
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"batchMatMul", nullptr, BatchMatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2d", nullptr, Conv2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPool", nullptr, MaxPool, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolGrad", nullptr, MaxPoolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduceSum", nullptr, ReduceSum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamMoments", nullptr, AdamMoments, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"elementwiseProgram", nullptr, algobench::ElementwiseProgramBinding, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"elementwisePrograms", nullptr, algobench::ElementwiseProgramsBinding, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"threads", nullptr, Threads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"serialKernels", nullptr, SerialKernels, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"pinThread", nullptr, PinThread, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  algobench::define_stock_kernels(env, exports);
  algobench::define_activation_grad_kernels(env, exports);
  algobench::define_norm_kernels(env, exports);
  algobench::define_rnn_cell_kernels(env, exports);
  algobench::define_dots_kernels(env, exports);
  algobench::define_schedule_free_kernels(env, exports);
  algobench::define_adam_dots_kernels(env, exports);
  algobench::define_factored_rms_kernels(env, exports);
  algobench::define_eigh_kernels(env, exports);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
