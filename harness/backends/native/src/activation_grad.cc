// The gradients of Tanh, Sigmoid and ClipByValue as one pass each (tfjs's gradients
// compose 3–5 ops and a scalar upload per call; in a tf.layers RNN, whose gates run
// them on small tensors every time step, the per-op cost is the whole cost). The
// arithmetic is rounded step by step as tfjs's composed ops round it, so results are
// the stock gradients' bits: `fp-contract=off` keeps the compiler from fusing a
// multiply and a subtract into one FMA.
#include <node_api.h>

#include <cstdint>
#include <string>

#include "activation_grad.h"
#include "split.h"

namespace algobench {
namespace {

enum ActivationGradOp : int { kTanhGrad = 0, kSigmoidGrad = 1, kClipGrad = 2 };

template <int Op>
__attribute__((optimize("fp-contract=off"))) void grad_run(const float* dy, const float* v, float* dx, int64_t n, float lo, float hi) {
  split_range(n, n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float y = v[i];
      if (Op == kTanhGrad) {
        const float s = y * y;  // square(y)
        const float t = 1.f - s;  // sub(1, ·)
        dx[i] = t * dy[i];        // mul(·, dy)
      } else if (Op == kSigmoidGrad) {
        const float t = 1.f - y;  // sub(1, y)
        const float u = y * t;    // mul(y, ·)
        dx[i] = dy[i] * u;        // mul(dy, ·)
      } else {
        // where(x ≥ lo ∧ x ≤ hi, dy, 0): NaN x fails both tests and gives 0.
        dx[i] = (y >= lo && y <= hi) ? dy[i] : 0.f;
      }
    }
  });
}

napi_value fail(napi_env env, const std::string& message) {
  napi_throw_error(env, "E_NATIVE_KERNEL", message.c_str());
  return nullptr;
}

float* floats(napi_env env, napi_value v, size_t* length) {
  napi_typedarray_type type;
  void* data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, v, &type, length, &data, &buffer, &offset) != napi_ok || type != napi_float32_array) return nullptr;
  return static_cast<float*>(data);
}

// activationGrad(op, dy: Float32Array, v: Float32Array, dx: Float32Array, lo, hi):
// v is the forward output (tanh, sigmoid) or input (clip); lo and hi only for the clip.
napi_value ActivationGrad(napi_env env, napi_callback_info info) {
  size_t count = 6;
  napi_value args[6];
  napi_get_cb_info(env, info, &count, args, nullptr, nullptr);
  if (count < 6) return fail(env, "activationGrad: expected (op, dy, v, dx, lo, hi)");
  int32_t op = -1;
  double lo = 0, hi = 0;
  size_t ldy = 0, lv = 0, ldx = 0;
  const float* dy = floats(env, args[1], &ldy);
  const float* v = floats(env, args[2], &lv);
  float* dx = floats(env, args[3], &ldx);
  if (napi_get_value_int32(env, args[0], &op) != napi_ok || napi_get_value_double(env, args[4], &lo) != napi_ok ||
      napi_get_value_double(env, args[5], &hi) != napi_ok || dy == nullptr || v == nullptr || dx == nullptr) {
    return fail(env, "activationGrad: expected (op: number, dy, v, dx: Float32Array, lo: number, hi: number)");
  }
  if (ldy != lv || ldx != lv) return fail(env, "activationGrad: dy, v and dx must have one length");
  const int64_t n = (int64_t)lv;
  switch (op) {
    case kTanhGrad: grad_run<kTanhGrad>(dy, v, dx, n, 0.f, 0.f); break;
    case kSigmoidGrad: grad_run<kSigmoidGrad>(dy, v, dx, n, 0.f, 0.f); break;
    case kClipGrad: grad_run<kClipGrad>(dy, v, dx, n, (float)lo, (float)hi); break;
    default: return fail(env, "activationGrad: op must be 0 (tanh), 1 (sigmoid) or 2 (clip)");
  }
  return nullptr;
}

}  // namespace

void define_activation_grad_kernels(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"activationGrad", nullptr, ActivationGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace algobench
