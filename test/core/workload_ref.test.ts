/** `name` for a base workload, `name:variant` otherwise: written and read in one place. */
import { describe, expect, it } from 'vitest';
import { formatWorkloadRef, parseWorkloadRef } from '../../harness/core/workload_ref.ts';

describe('workload refs', () => {
  it('writes the base variant as the bare name and any other as name:variant', () => {
    expect(formatWorkloadRef({ name: 'mnist_mlp', variant: 'base' })).toBe('mnist_mlp');
    expect(formatWorkloadRef({ name: 'mnist_mlp', variant: 'tanh' })).toBe('mnist_mlp:tanh');
  });

  it('reads what it writes, with base as the default variant', () => {
    expect(parseWorkloadRef('char_lm')).toEqual({ name: 'char_lm', variant: 'base' });
    expect(parseWorkloadRef('char_lm:relu')).toEqual({ name: 'char_lm', variant: 'relu' });
    for (const ref of ['g2p_gru', 'g2p_gru:lstm']) expect(formatWorkloadRef(parseWorkloadRef(ref))).toBe(ref);
  });

  it.each(['', ':tanh', 'mnist_mlp:', 'a:b:c'])('refuses "%s" in one line', (ref) => {
    expect(() => parseWorkloadRef(ref)).toThrow(/bad workload ".*"; write NAME or NAME:VARIANT/);
  });
});
