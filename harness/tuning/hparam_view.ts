/**
 * A read-tracking view of a trial's hyperparameters: which keys of the search space
 * does a submission actually read, and does it read any the space lacks?
 *
 * A typo costs a whole tuning study otherwise: `num(h, 'learning_rate', 1e-3)` against
 * a space that defines `lr` silently trains every trial with the fallback 1e-3, and a
 * space key that nothing reads is tuned for nothing. The view answers both:
 *
 * - `view` is a Proxy that behaves like a frozen object (writes, defines, deletes and
 *   prototype changes throw) and records every string key the submission asks for:
 *   `h.lr`, `h['lr']`, `'lr' in h`, `Object.getOwnPropertyDescriptor(h, 'lr')`,
 *   `h.hasOwnProperty('lr')`. Enumerating it (`Object.keys`, `{ ...h }`,
 *   `Object.entries`, `JSON.stringify`, `for…in`) counts as reading every key: the
 *   submission may use them all.
 * - In strict mode a read of a key the search space lacks throws at the read, with the
 *   key, the keys that exist and the fix; otherwise it is recorded in `unknownReads()`
 *   and reads as `undefined` (so a fallback default applies).
 * - Symbol keys and the names that runtimes, test frameworks and promise machinery
 *   probe on any object (`then`, `toJSON`, `constructor`, `toString`, `inspect`...)
 *   neither count nor throw, unless the values really hold such a key.
 *
 * The same `view` object is handed out every time: the kit builds its optimizer once
 * per trial by the identity of the hparams object. Hand it to the submission as it is;
 * copying, spreading or freezing it enumerates it, which counts as reading every key.
 */
import type { Hparams } from '../spec.ts';

export interface HparamView {
  /** The tracked, read-only hyperparameters; the same object on every access. */
  readonly view: Hparams;
  /** Every string key read so far (known or not); a fresh copy on each call. */
  reads(): ReadonlySet<string>;
  /** The keys read so far that the search space lacks (non-strict mode records them). */
  unknownReads(): ReadonlySet<string>;
}

export interface TrackOptions {
  /**
   * Throw at the first read of a key that is not in the values or `spaceKeys`
   * (external tuning). Without it such reads return undefined and are recorded.
   */
  readonly strict: boolean;
  /**
   * The search space's keys, when the values may lack some of them; a read of one of
   * these is never unknown. Also the list the strict error message shows.
   * @default Object.keys(values)
   */
  readonly spaceKeys?: readonly string[];
}

/**
 * Names probed on arbitrary objects by the language, Node, promise resolution,
 * JSON, test matchers and frameworks: reading them is not reading a hyperparameter.
 */
const IGNORED_KEYS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'then',
  'catch',
  'finally',
  'toJSON',
  'inspect',
  'asymmetricMatch',
  '$$typeof',
  'nodeType',
  'tagName',
  '@@__IMMUTABLE_ITERABLE__@@',
  '@@__IMMUTABLE_RECORD__@@',
  '_isMockFunction',
]);

/** Wraps `values` in a read-tracking, read-only view (see the file comment). */
export function trackHparams(values: Hparams, options: TrackOptions): HparamView {
  const target: Hparams = Object.freeze({ ...values });
  const present = new Set(Object.keys(target));
  const known = new Set([...present, ...(options.spaceKeys ?? [])]);
  const listed = options.spaceKeys ?? [...present];
  const reads = new Set<string>();
  const unknown = new Set<string>();

  /** Records a read of `key`; false when the read is not about a hyperparameter. */
  const record = (key: string | symbol): boolean => {
    if (typeof key === 'symbol') return false;
    if (!present.has(key) && IGNORED_KEYS.has(key)) return false;
    reads.add(key);
    if (!known.has(key)) {
      unknown.add(key);
      if (options.strict) throw new Error(unknownKeyMessage(key, listed));
    }
    return true;
  };
  const readOnly = (what: string): never => {
    throw new TypeError(`hyperparameters are read-only: cannot ${what}; pick values in search_space.json instead`);
  };

  const view = new Proxy(target, {
    get(t, key, receiver) {
      record(key);
      return Reflect.get(t, key, receiver) as unknown;
    },
    has(t, key) {
      record(key);
      return Reflect.has(t, key);
    },
    getOwnPropertyDescriptor(t, key) {
      record(key);
      return Reflect.getOwnPropertyDescriptor(t, key);
    },
    ownKeys(t) {
      for (const key of present) reads.add(key);
      return Reflect.ownKeys(t);
    },
    set(_t, key) {
      return readOnly(`set "${String(key)}"`);
    },
    // A definition that changes nothing succeeds, as on any frozen object, so that
    // Object.freeze(view) is harmless; anything else throws.
    defineProperty(t, key, descriptor) {
      return Reflect.defineProperty(t, key, descriptor) || readOnly(`define "${String(key)}"`);
    },
    deleteProperty(_t, key) {
      return readOnly(`delete "${String(key)}"`);
    },
    setPrototypeOf() {
      return readOnly('change the prototype');
    },
  });

  return {
    view,
    reads: () => new Set(reads),
    unknownReads: () => new Set(unknown),
  };
}

/** The strict-mode error: the key, the keys that exist, and the fix. */
export function unknownKeyMessage(key: string, keys: readonly string[]): string {
  const has = keys.length === 0 ? 'it has none' : `it has: ${keys.join(', ')}`;
  return `hyperparameter "${key}" is read but the search space has no such key (${has}); fix the name or add it to search_space.json`;
}
