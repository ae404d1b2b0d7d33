// Sums over a contiguous block of axes, for algobench's Sum and Mean kernels.
#pragma once
#include <cstdint>

namespace algobench {

// y[o, i] = scale · Σ_r x[o, r, i] for x viewed as [outer, reduced, inner].
void reduce_sum(const float* x, float* y, int64_t outer, int64_t reduced, int64_t inner, float scale);

}  // namespace algobench
