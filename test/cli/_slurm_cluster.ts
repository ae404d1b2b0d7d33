/**
 * A real one-node Slurm cluster for the scale-out test, started and stopped by the test
 * itself: Debian's slurm-wlm and munge, no systemd, no cgroups
 * (/work/shared/MEASUREMENTS.md, "A real single-node Slurm"). Everything it writes —
 * munge key and socket, slurm.conf, state, spool, pid and log files — lies under one
 * folder, and it listens on ports of its own, so it never touches a cluster the machine
 * may already run. Clients reach it through SLURM_CONF (`env`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { userInfo } from 'node:os';

/** Whether a program is on the PATH (or in the sbin folders Debian puts the daemons in). */
export function installed(program: string): boolean {
  return ['/usr/sbin', '/usr/bin', '/sbin', '/bin', ...(process.env.PATH ?? '').split(':')].some((d) => d !== '' && existsSync(join(d, program)));
}

/** A TCP port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class SlurmCluster {
  /** The environment of a Slurm client of this cluster (sbatch, squeue, scancel, …). */
  readonly env: NodeJS.ProcessEnv;
  private constructor(readonly dir: string) {
    this.env = { ...process.env, SLURM_CONF: join(dir, 'slurm.conf') };
  }

  /** Writes the configuration, starts munged, slurmctld and slurmd, and waits for the node to be idle. */
  static async start(dir: string): Promise<SlurmCluster> {
    const cluster = new SlurmCluster(dir);
    for (const d of ['state', 'spool']) mkdirSync(join(dir, d), { recursive: true });
    // A key of its own: the cluster does not depend on (or read) the machine's munge key.
    execFileSync('mungekey', ['-c', '-k', join(dir, 'munge.key')], { stdio: 'pipe' });
    // --force: munged refuses to run as root without it.
    execFileSync('munged', ['--force', `--socket=${join(dir, 'munge.sock')}`, `--key-file=${join(dir, 'munge.key')}`,
      `--pid-file=${join(dir, 'munged.pid')}`, `--log-file=${join(dir, 'munged.log')}`, `--seed-file=${join(dir, 'munged.seed')}`], { stdio: 'pipe' });
    const host = hostname();
    const user = userInfo().username;
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'slurm.conf'), [
      'ClusterName=algobenchtest',
      `SlurmctldHost=${host}`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${join(dir, 'munge.sock')}`,
      `SlurmUser=${user}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'ReturnToService=2',
      'JobAcctGatherType=jobacct_gather/none',
      'MpiDefault=none',
      // Finished jobs stay visible to scontrol for this long (their state and exit code).
      'MinJobAge=3600',
      // A task past its --time is not killed: on a loaded test machine a slice may run
      // slower than any honest limit (scale_out.test.ts checks the limit algobench writes).
      'OverTimeLimit=UNLIMITED',
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
      `NodeName=${host} CPUs=${availableParallelism()} RealMemory=4000 State=UNKNOWN`,
      `PartitionName=algobench Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'));
    const conf = join(dir, 'slurm.conf');
    execFileSync('slurmctld', ['-f', conf], { env: cluster.env, stdio: 'pipe' });
    execFileSync('slurmd', ['-f', conf], { env: cluster.env, stdio: 'pipe' });
    await cluster.waitFor(() => cluster.client('sinfo', ['-h', '-o', '%t']).trim() === 'idle', 60_000, 'the node to be idle');
    return cluster;
  }

  /** Runs a Slurm client command of this cluster; its stdout. Throws with its stderr on failure. */
  client(program: string, args: readonly string[]): string {
    const r = spawnSync(program, args, { env: this.env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${program} ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}${r.error?.message ?? ''}`);
    return r.stdout;
  }

  /** A job's (or array task's, `ID_I`) state and exit code, as scontrol shows them. */
  job(id: string): { state: string; exitCode: string } {
    const text = this.client('scontrol', ['show', 'job', '-o', id]);
    return { state: /JobState=(\S+)/.exec(text)?.[1] ?? '?', exitCode: /ExitCode=(\S+)/.exec(text)?.[1] ?? '?' };
  }

  /** Whether any job of the cluster is pending or running. */
  busy(): boolean {
    return this.client('squeue', ['-h', '-o', '%i']).trim() !== '';
  }

  /** The daemons' logs and the queue, for a failure message. */
  diagnostics(extraFiles: readonly string[] = []): string {
    const tail = (path: string): string => {
      if (!existsSync(path)) return `--- ${path}: absent`;
      const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
      return `--- ${path} (last 30 lines)\n${lines.slice(-30).join('\n')}`;
    };
    let queue: string;
    try {
      queue = this.client('squeue', ['-a']);
    } catch (err) {
      queue = String(err);
    }
    return [`--- squeue\n${queue}`, ...['slurmctld.log', 'slurmd.log', 'munged.log'].map((f) => tail(join(this.dir, f))), ...extraFiles.map(tail)].join('\n');
  }

  /** Polls `done` every half second; past `timeoutMs` throws naming `what`, with the cluster's logs. */
  async waitFor(done: () => boolean, timeoutMs: number, what: string, extraFiles: readonly string[] = []): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${what}, in vain\n${this.diagnostics(extraFiles)}`);
      await sleep(500);
    }
  }

  /**
   * Cancels every job, then stops slurmd, slurmctld and munged by their pid files
   * (SIGTERM, then SIGKILL after 10 s). Safe to call when start failed half-way.
   */
  async stop(): Promise<void> {
    if (existsSync(join(this.dir, 'slurmctld.pid'))) {
      try {
        this.client('scancel', ['--user', userInfo().username]);
        await this.waitFor(() => !this.busy(), 60_000, 'the cancelled jobs to end');
      } catch {
        // The controller is down or never came up: the daemons are stopped below all the same.
      }
    }
    for (const name of ['slurmd', 'slurmctld', 'munged']) {
      const pidFile = join(this.dir, `${name}.pid`);
      if (!existsSync(pidFile)) continue;
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (!Number.isSafeInteger(pid) || pid <= 0) continue;
      const alive = (): boolean => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      if (!alive()) continue;
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 10_000;
      while (alive() && Date.now() < deadline) await sleep(200);
      if (alive()) process.kill(pid, 'SIGKILL');
    }
  }
}
