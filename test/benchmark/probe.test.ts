/**
 * Planning learns each submission's name in a sandboxed process of its own, several at
 * once (benchmark/probe.ts, describeAll). Whichever process answers first, the answer is
 * what one at a time would give: the submissions in the order asked, and of several
 * failures the first in that order; and no process outlives it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeAll } from '../../harness/benchmark/probe.ts';

/** Node processes (trial processes: alive, or ended and not yet reaped) whose parent is this one, from /proc. */
function trialChildren(): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
      // By the command's name, which a zombie keeps (its command line is empty): not esbuild's
      // service process, which compiling the submissions may have started and which lives as long as this one.
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === 'node') out.push(Number(pid));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

const hostile = (name: string): string => new URL(`../fixtures/hostile/${name}/submission.ts`, import.meta.url).pathname;

describe('describeAll', () => {
  it('returns the submissions in the order asked, with the names they declare', async () => {
    const refs = ['nesterov', 'adamw', 'lion', 'sgd_momentum', 'lamb'];
    const described = await describeAll(refs, 'wasm');
    // The names each submission's defineSubmission declares (submissions/<name>/submission.ts).
    expect(described.map((d) => d.name)).toEqual(['nesterov', 'adamw', 'lion', 'sgd_momentum', 'lamb']);
    expect(described.map((d) => d.modulePath.split('/').at(-2))).toEqual(refs);
    // Every inspection's process has ended and been reaped (its CPU time is the run's own).
    expect(trialChildren()).toEqual([]);
  }, 120_000);

  it('of two failures reports the first asked, not the first to end', async () => {
    // hang_at_import loops for ever at import and ends only at the 4 s timeout; exit_at_import
    // exits at once. One at a time, the hang is found first: so must it be here.
    await expect(describeAll([hostile('hang_at_import'), hostile('exit_at_import')], 'wasm', 4)).rejects.toThrow(
      /hang_at_import\/submission\.ts failed to load in its sandbox \(timeout\): loading it took over 4 s/,
    );
  }, 120_000);
});
