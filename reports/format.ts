/** How numbers read on the pages and in the CLI tables: one place, so both agree. */
import type { JsonTime } from '../harness/scoring/index.ts';

export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return 'missed';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - m * 60)} s`;
}

/** A bootstrap interval of times: `[8.1, 12.0] s`, `[8.1 s, missed]`. */
export function formatTimeInterval(ci: readonly [JsonTime, JsonTime] | null): string {
  if (ci === null) return '';
  const [lo, hi] = ci;
  if (lo === null) return '[missed, missed]';
  if (hi === null) return `[${formatSeconds(lo)}, missed]`;
  if (lo < 60 && hi < 60) return `[${lo.toFixed(1)}, ${hi.toFixed(1)}] s`;
  return `[${formatSeconds(lo)}, ${formatSeconds(hi)}]`;
}

export function formatScore(score: number): string {
  return score.toFixed(3);
}

export function formatScoreInterval(ci: readonly [number, number] | null): string {
  return ci === null ? '' : `[${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]`;
}

export function formatSpeedup(x: number): string {
  return `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;
}

export function formatP(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

/** Hyperparameter values: 3 significant digits, exponent form for tiny or huge ones. */
export function formatHparam(v: unknown): string {
  if (typeof v === 'number') {
    if (v === 0 || !Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    return a < 1e-3 || a >= 1e5 ? v.toExponential(2) : String(Number(v.toPrecision(3)));
  }
  if (typeof v === 'string') return v;
  return JSON.stringify(v) ?? '';
}

export function gib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 30)} GiB`;
}

export function rulesetName(ruleset: string): string {
  return ruleset === 'external' ? 'External tuning' : ruleset === 'self' ? 'Self-tuning' : ruleset;
}
