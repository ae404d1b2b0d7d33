#include "parallel.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

namespace algobench {
namespace {

// True on pool workers and on a thread inside parallel_for: nested calls run serially.
thread_local bool inside_job = false;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// The caller takes part in every job and waits only for tasks to finish, never for a
// worker to wake up: on a loaded machine a worker may not run for milliseconds, and
// then the caller simply does all the tasks itself.
struct Pool {
  std::mutex mutex;
  std::condition_variable wake;
  const std::function<void(int)>* job = nullptr;
  int tasks = 0;
  std::atomic<int> next{0};
  std::atomic<int> finished{0};
  std::atomic<int> active{0};                 // workers between picking a job up and leaving it
  std::atomic<unsigned long> generation{0};

  explicit Pool(int workers) {
    for (int w = 0; w < workers; ++w) std::thread([this] { work(); }).detach();
  }

  void drain(const std::function<void(int)>& f, int n) {
    for (int i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      f(i);
      finished.fetch_add(1, std::memory_order_release);
    }
  }

  void work() {
    inside_job = true;
    unsigned long seen = 0;
    for (;;) {
      // Spin briefly first: kernels come in quick succession during a training step.
      for (int spin = 0; spin < 2000 && generation.load(std::memory_order_acquire) == seen; ++spin) cpu_relax();
      const std::function<void(int)>* f;
      int n;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return generation.load() != seen; });
        seen = generation.load();
        f = job;
        n = tasks;
        active.fetch_add(1);
      }
      drain(*f, n);
      active.fetch_sub(1, std::memory_order_release);
    }
  }

  void run(int n, const std::function<void(int)>& f) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      // A worker that picked up the previous job late must leave it before it is
      // replaced; workers pick jobs up under this lock, so none can start meanwhile.
      while (active.load(std::memory_order_acquire) != 0) cpu_relax();
      job = &f;
      tasks = n;
      next.store(0);
      finished.store(0);
      generation.fetch_add(1, std::memory_order_release);
    }
    wake.notify_all();
    drain(f, n);
    while (finished.load(std::memory_order_acquire) != n) cpu_relax();
  }
};

int configured_threads() {
  const char* env = std::getenv("ALGOBENCH_THREADS");
  int n = env != nullptr ? std::atoi(env) : 0;
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  return n <= 0 ? 1 : (n > 64 ? 64 : n);
}

int pool_threads() {
  static const int n = configured_threads();
  return n;
}

Pool* pool() {
  // Leaked on purpose: see the header.
  static Pool* instance = pool_threads() > 1 ? new Pool(pool_threads() - 1) : nullptr;
  return instance;
}

std::mutex submit_mutex;  // one job at a time (Node calls from one thread anyway)

// Set by serial_kernels(): every kernel of this process runs on the calling thread.
std::atomic<bool> all_serial{false};

}  // namespace

int thread_count() { return all_serial.load(std::memory_order_relaxed) ? 1 : pool_threads(); }

void serial_kernels(bool on) { all_serial.store(on, std::memory_order_relaxed); }

bool pin_calling_thread(const int* cpus, int count) {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int i = 0; i < count; ++i) {
    if (cpus[i] < 0 || cpus[i] >= CPU_SETSIZE) return false;
    CPU_SET(cpus[i], &set);
  }
  return count > 0 && sched_setaffinity(0, sizeof(set), &set) == 0;
#else
  (void)cpus;
  (void)count;
  return false;
#endif
}

void parallel_for(int n, const std::function<void(int)>& f) {
  Pool* p = thread_count() > 1 ? pool() : nullptr;
  if (n <= 1 || p == nullptr || inside_job) {
    for (int i = 0; i < n; ++i) f(i);
    return;
  }
  std::lock_guard<std::mutex> submit(submit_mutex);
  inside_job = true;
  p->run(n, f);
  inside_job = false;
}

SerialScope::SerialScope() : saved_(inside_job) { inside_job = true; }
SerialScope::~SerialScope() { inside_job = saved_; }

}  // namespace algobench
