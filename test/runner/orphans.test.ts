/**
 * A trial's process must not outlive the run that started it, however the run ends. A
 * run killed outright (SIGKILL: no exit handler runs) while it inspects a submission
 * that spins for ever at import used to leave that process spinning at full CPU, under
 * every later trial on the machine. The kernel now kills it with its parent
 * (run_isolated.ts, SETPRIV).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HANG = fileURLToPath(new URL('../fixtures/hostile/hang_at_import/submission.ts', import.meta.url));
const HAS_SETPRIV = existsSync('/usr/bin/setpriv') || existsSync('/bin/setpriv');

/** Pids of live (not zombie) processes whose parent is `ppid` and whose command line names `needle`. */
function childrenNaming(ppid: number, needle: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid && fields[0] !== 'Z' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) out.push(Number(pid));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** Whether a process is alive: in /proc and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** CPU seconds a process has used (user + system), 0 when it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return (fields[11]! + fields[12]!) / 100;
  } catch {
    return 0;
  }
}

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
      expect(await until(() => (spinning = childrenNaming(run.pid!, 'hang_at_import')).length > 0, 60)).toBe(true);
      // Spinning in the submission's import, not still loading (loading takes well under 1.5 s of CPU):
      // a process still loading would end by itself once its parent's channel closed.
      expect(await until(() => cpuSeconds(spinning[0]!) >= 1.5, 60)).toBe(true);
      run.kill('SIGKILL');
      expect(await until(() => !alive(spinning[0]!), 15), `process ${spinning[0]} still spinning after its run was killed`).toBe(true);
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
