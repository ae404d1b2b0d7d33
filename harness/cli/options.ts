/** Option parsers the commands share (commander calls them with each raw value). */
import { AlgobenchError } from '../errors.ts';

/** A repeatable, comma-separable list option: `-w a,b -w c` → [a, b, c]. */
export const collect = (value: string, previous: string[]): string[] => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

/** An integer option, or one line naming the option and the bad value. */
export function integer(name: string, { min }: { min?: number } = {}) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || (min !== undefined && n < min)) {
      const what = min === 1 ? 'a positive integer' : min !== undefined ? `an integer ≥ ${min}` : 'an integer';
      throw new AlgobenchError('E_USAGE', `--${name} must be ${what} (got "${value}")`);
    }
    return n;
  };
}
