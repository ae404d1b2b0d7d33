/**
 * A trial's process must not outlive the run that started it, however the run ends. A
 * run killed outright (SIGKILL: no exit handler runs) while it inspects a submission
 * that spins for ever at import used to leave that process spinning at full CPU, under
 * every later trial on the machine. The kernel now kills it with its parent
 * (run_isolated.ts, SETPRIV).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { childrenOf, commandLine, procStat } from '../_proc.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HANG = fileURLToPath(new URL('../fixtures/hostile/hang_at_import/submission.ts', import.meta.url));
const HAS_SETPRIV = existsSync('/usr/bin/setpriv') || existsSync('/bin/setpriv');

async function until(what: () => boolean, seconds: number): Promise<boolean> {
  for (const end = Date.now() + seconds * 1000; Date.now() < end; ) {
    if (what()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return what();
}

describe('trial processes die with their run', () => {
  it.skipIf(!HAS_SETPRIV)('a run killed with SIGKILL while a submission spins at import takes that process with it (needs setpriv)', async () => {
    const script = `
      const { inspectSubmission } = await import(${JSON.stringify(new URL('../../harness/runner/isolated/run_isolated.ts', import.meta.url).href)});
      await inspectSubmission(${JSON.stringify(HANG)}, 'wasm', 600);`;
    const run = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: 'ignore' });
    let spinning: number[] = [];
    try {
      const spinners = () => childrenOf(run.pid!).filter((c) => c.state !== 'Z' && commandLine(c.pid).includes('hang_at_import')).map((c) => c.pid);
      expect(await until(() => (spinning = spinners()).length > 0, 60)).toBe(true);
      // Spinning in the submission's import, not still loading (loading takes well under 1.5 s of CPU):
      // a process still loading would end by itself once its parent's channel closed.
      expect(await until(() => (procStat(spinning[0]!)?.cpuSec ?? 0) >= 1.5, 60)).toBe(true);
      run.kill('SIGKILL');
      expect(await until(() => [undefined, 'Z'].includes(procStat(spinning[0]!)?.state), 15), `process ${spinning[0]} still spinning after its run was killed`).toBe(true);
    } finally {
      run.kill('SIGKILL');
      for (const pid of spinning) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone: the point.
        }
      }
    }
  }, 120_000);
});
