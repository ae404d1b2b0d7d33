/**
 * Interleaved timing for the side-by-side benches (`bench --zoo`, `bench --optimizers`):
 * each side is timed in rounds that alternate with the other side's (A B A B …); a
 * side's figure is its fastest round's median, so a burst of load on a shared machine
 * slows a round rather than the figure, and its spread shows how much the rounds moved.
 */

/** A side's figure from its round medians: the fastest, and how far the slowest is above it (slowest / fastest − 1). */
export function fastestRound(medians: readonly number[]): { ms: number; spread: number } | undefined {
  if (medians.length === 0) return undefined;
  const fastest = Math.min(...medians);
  return { ms: fastest, spread: Math.max(...medians) / fastest - 1 };
}
