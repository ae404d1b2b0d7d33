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
    for (int64_t i = i0; i < i1; ++i) {
      const float gi = g[i];
      const float mi = m[i] * k.b1 + gi * k.one_minus_b1;
      const float vi = v[i] * k.b2 + (gi * gi) * k.one_minus_b2;
      const float mhat = k.nesterov ? mi * k.look_m + gi * k.look_g : mi / k.c1;
      m_out[i] = mi;
      v_out[i] = vi;
      update[i] = mhat / (std::sqrt(vi / k.c2) + k.eps);
    }
  });
}

}  // namespace algobench
