// Adds the stock-op kernels (stock.h) to the addon's exports.
#pragma once
#include <node_api.h>

namespace algobench {
void define_stock_kernels(napi_env env, napi_value exports);
}
