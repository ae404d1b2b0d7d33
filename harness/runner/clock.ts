/**
 * The clock the runner reads, injected so that timing rules can be tested with a
 * fake one. Seconds, monotonic.
 */
export interface Clock {
  now(): number;
}

export const realClock: Clock = {
  now: () => performance.now() / 1000,
};
