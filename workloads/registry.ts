/**
 * The fixed workloads, by name. An explicit map rather than discovery by path: the
 * suite is part of the benchmark's definition, and a typo should not find a folder.
 */
import { AlgobenchError } from '../harness/core/errors.ts';
import { formatWorkloadRef, parseWorkloadRef } from '../harness/core/workload_ref.ts';
import type { Workload } from '../harness/spec.ts';
import type { WorkloadDefinition } from './definition.ts';
import { getBudgetOverride } from './targets.ts';
import { charLm } from './char_lm/index.ts';
import { g2pGru } from './g2p_gru/index.ts';
import { mnistAutoencoder } from './mnist_autoencoder/index.ts';
import { mnistCnn } from './mnist_cnn/index.ts';
import { mnistMlp } from './mnist_mlp/index.ts';
import { spamBow } from './spam_bow/index.ts';

export const WORKLOADS: Readonly<Record<string, WorkloadDefinition>> = {
  mnist_mlp: mnistMlp,
  mnist_cnn: mnistCnn,
  mnist_autoencoder: mnistAutoencoder,
  char_lm: charLm,
  spam_bow: spamBow,
  g2p_gru: g2pGru,
};

/**
 * Expands the shorthands of --workload: `all` is every workload's base (the fixed
 * suite), `NAME:*` every variant of NAME, `all:*` every variant of every workload.
 */
export function expandWorkloadRefs(refs: readonly string[]): string[] {
  return refs.flatMap((ref) => {
    if (ref === 'all') return Object.keys(WORKLOADS);
    const [name = '', variant] = ref.split(':');
    if (variant !== '*') return [ref];
    const names = name === 'all' ? Object.keys(WORKLOADS) : [name];
    return names.flatMap((n) => {
      const def = WORKLOADS[n];
      if (def === undefined) return [n]; // getWorkload reports it
      return def.variants.map((v) => formatWorkloadRef({ name: n, variant: v.name }));
    });
  });
}

export function getWorkload(ref: string): Workload {
  const { name, variant } = parseWorkloadRef(ref);
  const def = WORKLOADS[name];
  if (def === undefined) {
    throw new AlgobenchError(
      'E_UNKNOWN_WORKLOAD',
      `unknown workload "${name}"; run "algobench list" to see the workloads (${Object.keys(WORKLOADS).join(', ')})`,
    );
  }
  const workload = def.create(variant); // refuses an unknown variant (defineWorkload)
  // A budget derived by set-targets (workloads/targets.json) wins over the default.
  const budget = getBudgetOverride(name, variant);
  return budget === undefined ? workload : { ...workload, budget };
}
