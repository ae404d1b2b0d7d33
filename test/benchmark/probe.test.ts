/**
 * Planning learns each submission's name in a sandboxed process of its own, several at
 * once (benchmark/probe.ts, describeAll). Whichever process answers first, the answer is
 * what one at a time would give: the submissions in the order asked, and of several
 * failures the first in that order; and no process outlives it.
 */
import { describe, expect, it } from 'vitest';
import { describeAll } from '../../harness/benchmark/probe.ts';
import { childrenOf } from '../_proc.ts';

const hostile = (name: string): string => new URL(`../fixtures/hostile/${name}/submission.ts`, import.meta.url).pathname;

describe('describeAll', () => {
  it('returns the submissions in the order asked, with the names they declare', async () => {
    const refs = ['nesterov', 'adamw', 'lion', 'sgd_momentum', 'lamb'];
    const described = await describeAll(refs, 'wasm');
    // The names each submission's defineSubmission declares (submissions/<name>/submission.ts).
    expect(described.map((d) => d.name)).toEqual(['nesterov', 'adamw', 'lion', 'sgd_momentum', 'lamb']);
    expect(described.map((d) => d.modulePath.split('/').at(-2))).toEqual(refs);
    // Every inspection's process has ended and been reaped (its CPU time is the run's own): no
    // node child left, not even a zombie (esbuild's service process, which compiling may have
    // started, lives as long as this one and is not a trial's).
    expect(childrenOf(process.pid).filter((c) => c.comm === 'node')).toEqual([]);
  }, 120_000);

  it('of two failures reports the first asked, not the first to end', async () => {
    // hang_at_import loops for ever at import and ends only at the 4 s timeout; exit_at_import
    // exits at once. One at a time, the hang is found first: so must it be here.
    await expect(describeAll([hostile('hang_at_import'), hostile('exit_at_import')], 'wasm', 4)).rejects.toThrow(
      /hang_at_import\/submission\.ts failed to load in its sandbox \(timeout\): loading it took over 4 s/,
    );
  }, 120_000);
});
