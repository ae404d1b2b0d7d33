// A tiny persistent thread pool: parallel_for(n, f) runs f(i) for i in [0, n) on the
// calling thread and the pool's workers. The workers are created once and never
// destroyed (they are detached and parked on a condition variable), so that neither
// a short-lived Node process nor a static destructor has to join them at exit.
#pragma once
#include <functional>

namespace algobench {

// How many threads kernels use: ALGOBENCH_THREADS if set, else the hardware's count;
// 1 while serial_kernels(true) holds.
int thread_count();

// Every kernel of this process on the calling thread (on), or on the pool again (off):
// for a process pinned to one CPU (the harness beside a trial, backends/cpu_plan.ts),
// where a worker could only run by taking the caller's CPU. While on, results are those
// of a process with one thread (ALGOBENCH_THREADS=1): where a kernel splits a sum by
// thread count (a product's inner dimension, a long row's reduction) the last bits can
// differ from the pool's.
void serial_kernels(bool on);

// Pins the calling thread (only it; threads it starts later inherit the set) to the
// given CPUs. False where the set is empty or invalid, or the system refused it, or
// off Linux.
bool pin_calling_thread(const int* cpus, int count);

// Calls f(i) for every i in [0, n), spread over thread_count() threads; returns when
// all calls have returned. Nested calls run serially on the calling thread.
void parallel_for(int n, const std::function<void(int)>& f);

// While one lives, parallel_for on this thread runs serially (as a nested call does):
// for kernels made of many small products (an RNN cell's step), where waking the pool
// and waiting for a worker cost more than the second thread saves.
class SerialScope {
 public:
  SerialScope();
  ~SerialScope();
  SerialScope(const SerialScope&) = delete;
  SerialScope& operator=(const SerialScope&) = delete;

 private:
  bool saved_;
};

}  // namespace algobench
