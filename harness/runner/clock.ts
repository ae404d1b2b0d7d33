/**
 * The clock the runner reads, injected so that timing rules can be tested with a
 * fake one. Seconds, monotonic.
 */
export interface Clock {
  now(): number;
}

/**
 * `performance.now` as it was when this module loaded. A trial's process loads it
 * before any submission code, so a submission that replaces `performance.now` (or
 * `Performance.prototype.now`) changes its own view of time, not the runner's.
 */
const capturedNow = performance.now.bind(performance);

export const realClock: Clock = Object.freeze({
  now: () => capturedNow() / 1000,
});
