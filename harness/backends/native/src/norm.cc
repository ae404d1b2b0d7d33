// FusedBatchNorm on both cores: the per-channel factor scale/√(variance + eps) is
// computed once per call, then every row is one vectorisable pass.
#include "norm.h"

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

napi_value fail(napi_env env, const std::string& message) {
  napi_throw_error(env, "E_NATIVE_KERNEL", message.c_str());
  return nullptr;
}

// A Float32Array's data and length; null (length 0) for undefined or null; false if neither.
bool floats(napi_env env, napi_value v, float** data, int64_t* length) {
  napi_valuetype kind;
  napi_typeof(env, v, &kind);
  if (kind == napi_undefined || kind == napi_null) {
    *data = nullptr;
    *length = 0;
    return true;
  }
  napi_typedarray_type type;
  size_t n = 0, offset = 0;
  void* p = nullptr;
  napi_value buffer;
  if (napi_get_typedarray_info(env, v, &type, &n, &p, &buffer, &offset) != napi_ok || type != napi_float32_array) return false;
  *data = static_cast<float*>(p);
  *length = (int64_t)n;
  return true;
}

// batchNorm(x, y, channels, mean, variance, scale | null, offset | null, eps)
napi_value BatchNorm(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 8) return fail(env, "batchNorm takes 8 arguments");
  float *x, *y, *mean, *variance, *scale, *offset;
  int64_t lx, ly, lm, lv, ls, lo;
  double channels = 0, eps = 0;
  if (!floats(env, argv[0], &x, &lx) || !floats(env, argv[1], &y, &ly) || !floats(env, argv[3], &mean, &lm) ||
      !floats(env, argv[4], &variance, &lv) || !floats(env, argv[5], &scale, &ls) || !floats(env, argv[6], &offset, &lo) ||
      napi_get_value_double(env, argv[2], &channels) != napi_ok || napi_get_value_double(env, argv[7], &eps) != napi_ok) {
    return fail(env, "batchNorm: x, y, mean, variance (and scale, offset unless null) must be Float32Arrays; channels and eps numbers");
  }
  const int64_t c = (int64_t)channels;
  auto fits = [&](const float* p, int64_t len, bool optional) { return (optional && p == nullptr) || (p != nullptr && (len == 1 || len == c)); };
  if (c < 1 || x == nullptr || y == nullptr || lx != ly || lx % c != 0 || !fits(mean, lm, false) || !fits(variance, lv, false) ||
      !fits(scale, ls, true) || !fits(offset, lo, true)) {
    return fail(env, "batchNorm: x and y must have the same length, a multiple of channels; each parameter 1 or channels values");
  }
  batch_norm(x, y, lx / c, c, mean, lm, variance, lv, scale, ls, offset, lo, (float)eps);
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
