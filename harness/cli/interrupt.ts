/**
 * Ctrl-C handling of the commands that run trials (run, quick, compare): a helper of
 * the commands, not a command, so that no command imports another.
 */
import type { BenchmarkListener } from '../benchmark/execute.ts';

/**
 * Ctrl-C. Before the first trial starts (planning, loading submissions, choosing and
 * probing the backend, reading the hardware) nothing has been stored, so Ctrl-C ends
 * the process at once with one line and exit code 130. Once the run is recorded
 * (the listener's onStart, which runBenchmark calls right after opening the store and
 * starting the run row): once, the running trial stops at its next step and is stored
 * as interrupted; twice, exit now.
 */
export function interruptHandling(): { signal: AbortSignal; listen: (inner: BenchmarkListener) => BenchmarkListener } {
  const controller = new AbortController();
  let recorded = false;
  process.on('SIGINT', () => {
    if (!recorded) {
      process.stderr.write('algobench: interrupted before the first trial started; nothing was run or stored\n');
      process.exit(130);
    }
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nalgobench: interrupting after the current step (Ctrl-C again to quit now)\n');
    controller.abort();
  });
  return {
    signal: controller.signal,
    listen: (inner) => ({
      ...inner,
      onStart: (info) => {
        recorded = true;
        inner.onStart?.(info);
      },
    }),
  };
}
