#include "elementwise.h"

#include <algorithm>
#include <cmath>

#include "parallel.h"

namespace algobench {

void adam_moments(const AdamCoefficients& k, int64_t n, const float* g, const float* m, const float* v,
                  float* m_out, float* v_out, float* update) {
  const int parts = n >= (1 << 15) ? thread_count() : 1;
  parallel_for(parts, [&](int t) {
    const int64_t i0 = n * t / parts, i1 = n * (t + 1) / parts;
    if (k.nesterov) adam_range<true>(k, i0, i1, g, m, v, m_out, v_out, update);
    else adam_range<false>(k, i0, i1, g, m, v, m_out, v_out, update);
  });
}

}  // namespace algobench
