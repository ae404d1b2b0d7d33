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
#include "napi_args.h"
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

// activationGrad(op, dy: Float32Array, v: Float32Array, dx: Float32Array, lo, hi):
// v is the forward output (tanh, sigmoid) or input (clip); lo and hi only for the clip.
napi_value ActivationGrad(napi_env env, napi_callback_info info) {
  NapiArgs args(env, info, "activationGrad");
  const int64_t op = args.integer(0);
  size_t ldy = 0, lv = 0, ldx = 0;
  const float* dy = args.floats(1, &ldy);
  const float* v = args.floats(2, &lv);
  float* dx = args.floats(3, &ldx);
  const double lo = args.number(4), hi = args.number(5);
  if (args.failed) return nullptr;
  if (ldy != lv || ldx != lv) return args.fail("dy, v and dx must have one length"), nullptr;
  const int64_t n = (int64_t)lv;
  switch (op) {
    case kTanhGrad: grad_run<kTanhGrad>(dy, v, dx, n, 0.f, 0.f); break;
    case kSigmoidGrad: grad_run<kSigmoidGrad>(dy, v, dx, n, 0.f, 0.f); break;
    case kClipGrad: grad_run<kClipGrad>(dy, v, dx, n, (float)lo, (float)hi); break;
    default: args.fail("op must be 0 (tanh), 1 (sigmoid) or 2 (clip)");
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
