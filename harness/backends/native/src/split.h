// Splitting a range of work between the pool's threads, for the stock-op kernels.
#pragma once
#include <cstdint>
#include <algorithm>
#include <cstdlib>

#include "parallel.h"

namespace algobench {

// Below this many elements a pointwise kernel stays on the calling thread: waking the
// pool costs more than the work (ALGOBENCH_PARALLEL_MIN overrides, for measuring it).
inline int64_t parallel_min_elements() {
  static const int64_t n = [] {
    const char* env = std::getenv("ALGOBENCH_PARALLEL_MIN");
    return env != nullptr ? std::atoll(env) : int64_t{1} << 15;
  }();
  return n;
}

// Calls f(lo, hi) on disjoint ranges covering [0, n): four ranges per thread when
// `work` (elements touched) reaches the threshold, else one range on this thread.
// Four, not one: on a loaded machine a worker can be descheduled mid-task, and the
// caller then waits for that task alone; smaller tasks let the caller take the rest.
template <typename F>
void split_range(int64_t n, int64_t work, F&& f) {
  const int parts = work >= parallel_min_elements() && n > 1 && thread_count() > 1 ? (int)std::min<int64_t>(4 * thread_count(), n) : 1;
  if (parts == 1) {
    f(int64_t{0}, n);
    return;
  }
  parallel_for(parts, [&](int t) { f(n * t / parts, n * (t + 1) / parts); });
}

}  // namespace algobench
