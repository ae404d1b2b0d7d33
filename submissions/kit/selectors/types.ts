/** The shape of a data selector, as `defineSubmission({ selectData })` takes it. */
import type { SelectContext } from '../../../harness/spec.ts';

/**
 * Chooses the training examples of one step (on the clock). Selectors in this folder
 * are pure in (ctx.seed, ctx.step) plus ctx.rng, which the harness seeds per step,
 * so a trial's data order is reproducible and does not depend on earlier calls.
 */
export type DataSelector = (ctx: SelectContext) => Int32Array;
