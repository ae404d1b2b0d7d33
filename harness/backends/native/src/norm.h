// Batch normalisation's inference-form kernel (tfjs's FusedBatchNorm): per-channel
// statistics and affine parameters applied to a channels-last tensor.
#pragma once
#include <node_api.h>

#include <cstdint>

namespace algobench {

// y[r, c] = (x[r, c] − mean[c]) · scale[c] / √(variance[c] + eps) + offset[c] for `rows`
// rows of `channels` floats; each parameter has `channels` values or 1 (then it is the
// same for every channel); scale and offset may be null (1 and 0).
void batch_norm(const float* x, float* y, int64_t rows, int64_t channels, const float* mean, int64_t mean_len,
                const float* variance, int64_t variance_len, const float* scale, int64_t scale_len, const float* offset,
                int64_t offset_len, float eps);

// Adds batchNorm to the addon's exports.
void define_norm_kernels(napi_env env, napi_value exports);

}  // namespace algobench
