/** What the tests read of other processes from Linux's /proc (proc(5): /proc/PID/stat). */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  readonly pid: number;
  /** The command's name (kept by a zombie, whose command line is empty). */
  readonly comm: string;
  /** R, S, Z, …: Z is ended and not yet reaped. */
  readonly state: string;
  readonly ppid: number;
  /** CPU seconds used, user + system (clock ticks of 1/100 s). */
  readonly cpuSec: number;
}

/** A process's stat line, parsed; undefined when it is gone. */
export function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, which may itself hold spaces: state ppid … utime stime (3, 4, 14, 15).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), state: fields[0]!, ppid: Number(fields[1]), cpuSec: (Number(fields[11]) + Number(fields[12])) / 100 };
  } catch {
    return undefined;
  }
}

/** Every process whose parent is `ppid`, zombies included. */
export function childrenOf(ppid: number): ProcStat[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map((e) => procStat(Number(e)))
    .filter((s): s is ProcStat => s !== undefined && s.ppid === ppid);
}

/** A process's command line, '' when it is gone or a zombie. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}
