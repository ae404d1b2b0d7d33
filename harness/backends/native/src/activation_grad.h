// Adds the fused activation gradients (Tanh, Sigmoid, ClipByValue) to the addon's exports.
#pragma once
#include <node_api.h>

namespace algobench {
void define_activation_grad_kernels(napi_env env, napi_value exports);
}
