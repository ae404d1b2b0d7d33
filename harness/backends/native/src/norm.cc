// FusedBatchNorm on both cores: the per-channel factor scale/√(variance + eps) is
// computed once per call, then every row is one vectorisable pass.
#include "norm.h"
#include "napi_args.h"

#include <cmath>
#include <string>
#include <vector>

#include "split.h"

namespace algobench {

void batch_norm(const float* x, float* y, int64_t rows, int64_t channels, const float* mean, int64_t mean_len,
                const float* variance, int64_t variance_len, const float* scale, int64_t scale_len, const float* offset,
                int64_t offset_len, float eps) {
  std::vector<float> centre(channels), factor(channels), shift(channels);
  for (int64_t c = 0; c < channels; ++c) {
    const float s = scale == nullptr ? 1.f : scale[scale_len == 1 ? 0 : c];
    const float v = variance[variance_len == 1 ? 0 : c];
    // As the cpu backend: scale / √(variance + eps), the sum and the root in double.
    factor[c] = (float)((double)s / std::sqrt((double)v + (double)eps));
    centre[c] = mean[mean_len == 1 ? 0 : c];
    shift[c] = offset == nullptr ? 0.f : offset[offset_len == 1 ? 0 : c];
  }
  const float* m = centre.data();
  const float* f = factor.data();
  const float* o = shift.data();
  split_range(rows, rows * channels, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* in = x + r * channels;
      float* out = y + r * channels;
      for (int64_t c = 0; c < channels; ++c) out[c] = (in[c] - m[c]) * f[c] + o[c];
    }
  });
}

namespace {

// batchNorm(x, y, channels, mean, variance, scale | null, offset | null, eps)
napi_value BatchNorm(napi_env env, napi_callback_info info) {
  NapiArgs args(env, info, "batchNorm");
  size_t lx, ly, lm, lv, ls, lo;
  float* x = args.floats(0, &lx);
  float* y = args.floats(1, &ly);
  const double channels = args.number(2);
  const float* mean = args.floats(3, &lm);
  const float* variance = args.floats(4, &lv);
  const float* scale = args.optional_floats(5, &ls);
  const float* offset = args.optional_floats(6, &lo);
  const double eps = args.number(7);
  if (args.failed) return nullptr;
  const int64_t c = (int64_t)channels;
  auto fits = [&](const float* p, size_t len) { return p == nullptr || len == 1 || (int64_t)len == c; };
  if (c < 1 || lx != ly || (int64_t)lx % c != 0 || !fits(mean, lm) || !fits(variance, lv) || !fits(scale, ls) || !fits(offset, lo)) {
    return args.fail("x and y must have the same length, a multiple of channels; each parameter 1 or channels values"), nullptr;
  }
  batch_norm(x, y, (int64_t)lx / c, c, mean, (int64_t)lm, variance, (int64_t)lv, scale, (int64_t)ls, offset, (int64_t)lo, (float)eps);
  return nullptr;
}

}  // namespace

void define_norm_kernels(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"batchNorm", nullptr, BatchNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace algobench
