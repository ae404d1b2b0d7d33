/**
 * Claims on trials: a `running` trial row names the process that runs it (host name,
 * process id) and a lease end (epoch seconds) that the process renews while it works.
 * A claim is live while its lease holds and, on this host, while its process runs: a
 * run killed with SIGKILL is taken over at once by a resume on the same machine; on
 * another host, it is taken over when its lease runs out.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** This machine, as claims name it. */
export const THIS_HOST = hostname();

/** The claim columns of a trial row (absent on a row read from a schema-2 store). */
export interface ClaimColumns {
  readonly claim_host?: string | null;
  readonly claim_pid?: number | null;
  readonly claim_expires_at?: number | null;
}

/**
 * Whether process `pid` of this host is running. A process that exists but belongs to
 * someone else counts (EPERM); a zombie (killed, not yet reaped) does not.
 */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    // No /proc (not Linux) or the process is gone this instant: kill(0) said it runs.
  }
  return true;
}

/**
 * Whether the claim of a `running` row holds at `nowSec` (epoch seconds): its lease has
 * not run out and, when it was made on this host, its process still runs. A claim made
 * by this very process counts as live only when `selfIsLive` (listing a row this
 * process runs) and as stale when not (claiming: this process is not running that
 * trial, or the pid was reused). A row without claim columns (schema 2) is stale.
 */
export function claimIsLive(row: ClaimColumns, nowSec: number, selfIsLive: boolean): boolean {
  const { claim_host: host, claim_pid: pid, claim_expires_at: expires } = row;
  if (host === null || host === undefined || pid === null || pid === undefined || expires === null || expires === undefined) return false;
  if (!(expires > nowSec)) return false;
  if (host !== THIS_HOST) return true;
  if (pid === process.pid) return selfIsLive;
  return pidAlive(pid);
}
