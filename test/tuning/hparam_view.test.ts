/** The read-tracking hyperparameter view: what counts as a read, strict mode, read-only, identity. */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { num } from '../../submissions/kit/hparams.ts';
import { trackHparams } from '../../harness/tuning/hparam_view.ts';

const values = { lr: 1e-3, beta1: 0.9, weight_decay: 1e-4 };
const sorted = (s: ReadonlySet<string>) => [...s].sort();

describe('trackHparams', () => {
  it('records property reads, `in`, descriptors and hasOwnProperty, and returns the values', () => {
    const t = trackHparams(values, { strict: false });
    expect(t.reads().size).toBe(0);
    expect(t.view['lr']).toBe(1e-3);
    expect('beta1' in t.view).toBe(true);
    expect(Object.getOwnPropertyDescriptor(t.view, 'weight_decay')?.value).toBe(1e-4);
    expect(sorted(t.reads())).toEqual(['beta1', 'lr', 'weight_decay']);
    const u = trackHparams(values, { strict: false });
    expect(Object.prototype.hasOwnProperty.call(u.view, 'beta1')).toBe(true);
    expect(u.view.hasOwnProperty('lr')).toBe(true);
    expect(sorted(u.reads())).toEqual(['beta1', 'lr']);
    expect(u.unknownReads().size).toBe(0);
  });

  it('catches a misspelt key read with a fallback default (the kit\'s num)', () => {
    const loose = trackHparams(values, { strict: false });
    expect(num(loose.view, 'learning_rate', 3e-3)).toBe(3e-3);
    expect(sorted(loose.unknownReads())).toEqual(['learning_rate']);
    expect(loose.reads().has('learning_rate')).toBe(true);

    const strict = trackHparams(values, { strict: true });
    const message = 'hyperparameter "learning_rate" is read but the search space has no such key (it has: lr, beta1, weight_decay); fix the name or add it to search_space.json';
    expect(() => num(strict.view, 'learning_rate', 3e-3)).toThrow(message);
    expect(() => 'momentum' in strict.view).toThrow(/"momentum" is read/);
    expect(() => Object.getOwnPropertyDescriptor(strict.view, 'eps')).toThrow(/"eps" is read/);
    expect(sorted(strict.unknownReads())).toEqual(['eps', 'learning_rate', 'momentum']);
    expect(num(strict.view, 'lr')).toBe(1e-3);
  });

  it('knows the space\'s keys beyond the values, and says so when the space is empty', () => {
    const t = trackHparams({ lr: 1 }, { strict: true, spaceKeys: ['lr', 'momentum'] });
    expect(t.view['momentum']).toBeUndefined();
    expect(t.unknownReads().size).toBe(0);
    expect(() => t.view['nesterov']).toThrow('(it has: lr, momentum)');
    expect(() => trackHparams({}, { strict: true }).view['lr']).toThrow('(it has none)');
    // Self-tuning: nothing to read, defaults are fine.
    const self = trackHparams({}, { strict: false });
    expect(num(self.view, 'lr', 1e-3)).toBe(1e-3);
    expect(sorted(self.unknownReads())).toEqual(['lr']);
  });

  it('counts enumeration as reading every key', () => {
    for (const enumerate of [
      (h: object) => Object.keys(h),
      (h: object) => Object.getOwnPropertyNames(h),
      (h: object) => Reflect.ownKeys(h),
      (h: object) => ({ ...h }),
      (h: object) => Object.entries(h),
      (h: object) => JSON.stringify(h),
      (h: object) => { const keys: string[] = []; for (const k in h) keys.push(k); return keys; },
    ]) {
      const t = trackHparams(values, { strict: true });
      enumerate(t.view);
      expect(sorted(t.reads())).toEqual(['beta1', 'lr', 'weight_decay']);
      expect(t.unknownReads().size).toBe(0);
    }
    expect(JSON.parse(JSON.stringify(trackHparams(values, { strict: true }).view))).toEqual(values);
  });

  it('throws on writes, definitions, deletions and prototype changes; freezing is harmless', () => {
    const t = trackHparams(values, { strict: true });
    const h = t.view as Record<string, unknown>;
    expect(() => { h['lr'] = 1; }).toThrow(/read-only: cannot set "lr"/);
    expect(() => { h['momentum'] = 1; }).toThrow(/read-only/);
    expect(() => Object.defineProperty(h, 'lr', { value: 2 })).toThrow(/read-only: cannot define "lr"/);
    expect(() => { delete h['lr']; }).toThrow(/read-only: cannot delete "lr"/);
    expect(() => Object.setPrototypeOf(h, null)).toThrow(/read-only/);
    expect(() => Reflect.set(h, 'lr', 5)).toThrow(/read-only/);
    expect(Object.isFrozen(h)).toBe(true);
    expect(Object.freeze(h)).toBe(h);
    expect(h['lr']).toBe(1e-3);
  });

  it('does not count or throw on symbols and well-known probes', () => {
    const t = trackHparams(values, { strict: true });
    const h = t.view as Record<string | symbol, unknown>;
    expect(h['then']).toBeUndefined();
    expect(h['toJSON']).toBeUndefined();
    expect(h['constructor']).toBe(Object);
    expect(h[Symbol.toStringTag]).toBeUndefined();
    expect(h[inspect.custom]).toBeUndefined();
    expect(h[Symbol.iterator]).toBeUndefined();
    expect(String(h)).toBe('[object Object]');
    expect('then' in h).toBe(false);
    expect(t.reads().size).toBe(0);
    // A promise resolves to it without taking it for a thenable; inspect shows it.
    return Promise.resolve(h).then((v) => {
      expect(v).toBe(h);
      expect(inspect(h)).toContain('lr');
    });
  });

  it('hands out the same object every time, independent of the input', () => {
    const input = { lr: 1 };
    const t = trackHparams(input, { strict: false });
    expect(t.view).toBe(t.view);
    input.lr = 2;
    expect(t.view['lr']).toBe(1);
    const r = t.reads() as Set<string>;
    r.add('x');
    expect(t.reads().has('x')).toBe(false);
  });
});
