// Adds the strided copy and the depthwise convolution gradients to the addon's exports.
#pragma once
#include <node_api.h>

namespace algobench {
void define_layout_kernels(napi_env env, napi_value exports);
}
