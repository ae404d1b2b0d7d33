/**
 * Search spaces for the external-tuning ruleset, in AlgoPerf's JSON format, and the
 * hyperparameters each trial of a study gets.
 *
 * Two forms are accepted, as in AlgoPerf:
 * - ranges: `{ "lr": { "min": 1e-4, "max": 1e-2, "scaling": "log" },
 *              "beta1": { "feasible_points": [0.9, 0.95] } }`
 * - points: `[ { "lr": 0.001, "beta1": 0.9 }, ... ]`, an ordered list of fixed
 *   configurations: trial i of a study runs point i (AlgoPerf's baselines ship their
 *   `tuning_search_space.json` in this form).
 *
 * Parsing rejects anything else with one line that names the key at fault, because a
 * typo in a search space otherwise only shows up hours later as a badly tuned run.
 */
import { readFileSync } from 'node:fs';
import { AlgobenchError, setting } from '../core/errors.ts';
import { deriveSeed } from '../core/rng.ts';
import type { HparamValue, Hparams } from '../spec.ts';
import { haltonSequence } from './halton.ts';

export type { HparamValue, Hparams };

/** How a [min, max] range is sampled: evenly in the value or in its logarithm. */
export type Scaling = 'linear' | 'log';

/** A continuous hyperparameter: `{ "min", "max", "scaling" }`. */
export interface RangeParam {
  readonly kind: 'range';
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly scaling: Scaling;
}

/** A discrete hyperparameter: `{ "feasible_points": [...] }`, each value equally likely. */
export interface ChoiceParam {
  readonly kind: 'choice';
  readonly name: string;
  readonly feasiblePoints: readonly HparamValue[];
}

export type ParamSpec = RangeParam | ChoiceParam;

/** A parsed search space; `params` keep the order of the file. */
export type SearchSpace =
  | { readonly kind: 'ranges'; readonly params: readonly ParamSpec[] }
  | { readonly kind: 'points'; readonly points: readonly Hparams[] };

/** Which trials to draw: the study seed and index, and how many trials. */
export interface SampleOptions {
  readonly seed: number;
  readonly study: number;
  readonly count: number;
}

const RANGE_KEYS = ['min', 'max', 'scaling'];

/** Validates AlgoPerf's search-space JSON; `source` names the file in errors. */
export function parseSearchSpace(json: unknown, source: string): SearchSpace {
  const fail = (message: string): never => {
    throw new AlgobenchError('E_SEARCH_SPACE', `search space "${source}": ${message}`);
  };
  if (Array.isArray(json)) return { kind: 'points', points: parsePoints(json, fail) };
  if (!isPlainObject(json)) {
    return fail('must be an object of hyperparameter specs (e.g. {"lr": {"min": 1e-4, "max": 1e-2, "scaling": "log"}}) or a list of points');
  }
  const names = Object.keys(json);
  if (names.length === 0) return fail('names no hyperparameters; add at least one');
  const params = names.map((name) => parseParam(name, json[name], fail));
  return { kind: 'ranges', params };
}

/** Reads and parses a search-space JSON file. */
export function loadSearchSpace(path: string): SearchSpace {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new AlgobenchError('E_SEARCH_SPACE', `search space "${path}": cannot read the file (${code}); check the path`, {
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? oneLine(err.message) : 'parse error';
    throw new AlgobenchError('E_SEARCH_SPACE', `search space "${path}": invalid JSON (${detail}); fix the syntax`, {
      cause: err,
    });
  }
  return parseSearchSpace(json, path);
}

/**
 * The space as its draws see it, for its identity hash: ranges and choices in name order
 * (the draw sorts them so), a list of points in its own order (trial i gets point i).
 */
export function canonicalSearchSpace(space: SearchSpace): SearchSpace {
  if (space.kind === 'points') return space;
  return { kind: 'ranges', params: [...space.params].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

/**
 * The hyperparameters of trials 0..count-1 of one study.
 *
 * ranges: point i of a scrambled Halton sequence, one dimension per hyperparameter,
 * dimensions assigned in name order (so that reordering the keys of the file does
 * not change the points). The scrambling is seeded by (seed, study), so a study is
 * reproducible and every study gets its own points (AlgoPerf gives every study the
 * same ones, which makes its studies repeats of one draw rather than independent
 * draws). A log range maps the coordinate evenly onto [ln min, ln max]; a choice
 * maps it to index floor(u·n), so each feasible point gets an equal share.
 *
 * points: trial i gets points[i]. A list is a fixed set of trials, so every study
 * shares it; studies then differ only in their seeds. A study of more trials than the
 * list has points is refused: AlgoPerf's runner quietly cuts such a study to the
 * list's length, and repeating points would run the same configuration twice in one
 * study; either way the study would not be the one asked for.
 */
export function sampleHparams(space: SearchSpace, options: SampleOptions): Hparams[] {
  const { seed, study, count } = options;
  for (const [key, value] of [['seed', seed], ['study', study], ['count', count]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new AlgobenchError('E_USAGE', `sampleHparams: ${key} must be a non-negative integer, got ${value}`);
    }
  }
  if (space.kind === 'points') {
    const n = space.points.length;
    if (count > n) {
      throw new AlgobenchError(
        'E_SEARCH_SPACE',
        `the search space is a list of ${n} fixed point${n === 1 ? '' : 's'}, fewer than the ${count} trials asked for; pass ${setting('trials')} ${n} or fewer, or add points to the list`,
      );
    }
    return space.points.slice(0, count);
  }
  const byName = [...space.params].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const sequence = haltonSequence(byName.length, deriveSeed(seed, study, 'halton'));
  const out: Hparams[] = [];
  for (let i = 0; i < count; i++) {
    const u = sequence.point(i);
    const values = new Map(byName.map((param, dim) => [param.name, scale(param, u[dim] ?? 0)]));
    const hparams: Record<string, HparamValue> = {};
    for (const param of space.params) hparams[param.name] = values.get(param.name) ?? 0;
    out.push(Object.freeze(hparams));
  }
  return out;
}

/** Maps a coordinate u in [0, 1) onto one hyperparameter. */
function scale(param: ParamSpec, u: number): HparamValue {
  if (param.kind === 'choice') {
    const n = param.feasiblePoints.length;
    return param.feasiblePoints[Math.min(n - 1, Math.floor(u * n))] ?? param.feasiblePoints[0] ?? 0;
  }
  const { min, max } = param;
  const value = param.scaling === 'log' ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min);
  // exp/log rounding may step a hair outside the range; the range is a promise.
  return Math.min(max, Math.max(min, value));
}

type Fail = (message: string) => never;

function parseParam(name: string, spec: unknown, fail: Fail): ParamSpec {
  if (name === '') return fail('has an empty hyperparameter name; name it');
  if (!isPlainObject(spec)) {
    return fail(`"${name}" must be an object with "min", "max", "scaling" or with "feasible_points"`);
  }
  const keys = Object.keys(spec);
  if ('feasible_points' in spec) {
    const extra = keys.find((k) => k !== 'feasible_points');
    if (extra !== undefined) return fail(`"${name}.${extra}" is not allowed beside "feasible_points"; remove one of them`);
    const points = spec['feasible_points'];
    if (!Array.isArray(points) || points.length === 0) {
      return fail(`"${name}.feasible_points" must be a non-empty list; add at least one value`);
    }
    points.forEach((v, i) => {
      if (!isScalar(v)) fail(`"${name}.feasible_points[${i}]" must be a number, string or boolean`);
    });
    return { kind: 'choice', name, feasiblePoints: Object.freeze([...(points as HparamValue[])]) };
  }
  const unknown = keys.find((k) => !RANGE_KEYS.includes(k));
  if (unknown !== undefined) {
    return fail(`"${name}.${unknown}" is not a known key; use "min", "max", "scaling" or "feasible_points"`);
  }
  const bound = (key: 'min' | 'max'): number => {
    const v = spec[key];
    if (v === undefined) return fail(`"${name}.${key}" is missing; add it (or use "feasible_points")`);
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`"${name}.${key}" must be a finite number`);
    return v;
  };
  const min = bound('min');
  const max = bound('max');
  const scaling = spec['scaling'];
  if (scaling !== 'log' && scaling !== 'linear') {
    return fail(`"${name}.scaling" must be "log" or "linear"`);
  }
  if (!(min < max)) {
    return fail(`"${name}.min" must be < "${name}.max"; for a fixed value use "feasible_points": [${min}]`);
  }
  if (scaling === 'log' && min <= 0) {
    return fail(`"${name}.min" must be > 0 for log scaling; set a positive min`);
  }
  return { kind: 'range', name, min, max, scaling };
}

function parsePoints(list: unknown[], fail: Fail): Hparams[] {
  if (list.length === 0) return fail('is an empty list of points; add at least one point');
  let names: string[] = [];
  return list.map((point, i) => {
    if (!isPlainObject(point)) return fail(`"[${i}]" must be an object of hyperparameter values`);
    const keys = Object.keys(point);
    if (i === 0) {
      if (keys.length === 0) return fail('"[0]" names no hyperparameters; add at least one');
      names = keys;
    }
    const missing = names.find((k) => !(k in point));
    if (missing !== undefined) return fail(`"[${i}].${missing}" is missing; every point must set the same keys as point 0`);
    const extra = keys.find((k) => !names.includes(k));
    if (extra !== undefined) return fail(`"[${i}].${extra}" is not in point 0; every point must set the same keys`);
    for (const k of keys) {
      if (!isScalar(point[k])) return fail(`"[${i}].${k}" must be a number, string or boolean`);
    }
    return Object.freeze({ ...(point as Record<string, HparamValue>) });
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): v is HparamValue {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
