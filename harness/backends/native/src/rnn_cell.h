// Adds the fused LSTM and GRU cell steps (forward and backward) to the addon's exports.
#pragma once
#include <node_api.h>

namespace algobench {
void define_rnn_cell_kernels(napi_env env, napi_value exports);
}
