/**
 * Closes, inside a trial's process, what Node 20's permission model leaves open to
 * the submission: worker threads and native addons (the flags allow them because
 * the module loader and algobench's native kernels need them) and sockets (outside
 * Node 20's permission model). Runs after the runner has loaded everything it needs
 * and before the submission's module is imported, so the originals are reachable
 * only from this module's closure. `process.binding` is already refused by the
 * permission model, so no internal handle can be had around these doors.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import * as dgram from 'node:dgram';
import * as net from 'node:net';

/** The builtin's CommonJS exports object: the one whose properties `import` sees after a sync. */
const workerThreads = createRequire(import.meta.url)('node:worker_threads') as Record<string, unknown>;

/** Thrown for anything the lockdown refuses; the runner records status `forbidden`. */
export class ForbiddenError extends Error {
  readonly code = 'ERR_TRIAL_FORBIDDEN';
  constructor(what: string) {
    super(`the submission tried to ${what}, which a trial may not`);
  }
}

function refuse(what: string): never {
  throw new ForbiddenError(what);
}

/** Every door closed here, for the record: what the lockdown closed. */
export const CLOSED = ['worker threads', 'native addons other than algobench\'s kernels', 'TCP/UDP/IPC sockets', 'fetch', 'WebSocket'] as const;

/**
 * Closes the doors. `allowedAddons` are the native addons already loaded by the
 * runner (algobench's kernels); loading them again is harmless and allowed.
 */
export function lockDown(allowedAddons: readonly string[]): void {
  const allowed = new Set(allowedAddons);
  const dlopen = process.dlopen.bind(process);
  process.dlopen = ((module: { exports: unknown }, filename: string, flags?: number) => {
    if (!allowed.has(filename)) refuse(`load the native addon ${JSON.stringify(filename)}`);
    return flags === undefined ? dlopen(module, filename) : dlopen(module, filename, flags);
  }) as typeof process.dlopen;

  const BlockedWorker = function Worker() {
    refuse('start a worker thread');
  };
  Object.defineProperty(workerThreads, 'Worker', { value: BlockedWorker, writable: false, configurable: false });

  const socketPrototypes: Array<[object, string[]]> = [
    [net.Socket.prototype, ['connect']],
    [net.Server.prototype, ['listen']],
    [dgram.Socket.prototype, ['bind', 'send', 'connect']],
  ];
  for (const [proto, methods] of socketPrototypes) {
    for (const method of methods) {
      Object.defineProperty(proto, method, {
        value: () => refuse(`open a socket (${method})`),
        writable: false,
        configurable: false,
      });
    }
  }
  for (const name of ['fetch', 'WebSocket', 'EventSource'] as const) {
    if (name in globalThis) {
      Object.defineProperty(globalThis, name, {
        value: () => refuse(`open a network connection (${name})`),
        writable: false,
        configurable: false,
      });
    }
  }
  // Signals are outside Node 20's permission model: a trial may signal itself only.
  const kill = process.kill.bind(process);
  const ownPid = process.pid;
  process.kill = ((pid: number, signal?: string | number) => {
    if (pid !== ownPid && pid !== 0) refuse(`send a signal to process ${pid}`);
    return kill(pid, signal);
  }) as typeof process.kill;
  const internal = process as unknown as { _kill?: unknown };
  if (typeof internal._kill === 'function') {
    const rawKill = (internal._kill as (pid: number, sig: number) => number).bind(process);
    internal._kill = (pid: number, sig: number) => (pid === ownPid ? rawKill(pid, sig) : refuse(`send a signal to process ${pid}`));
  }
  // `import { Worker } from 'node:worker_threads'` reads the builtin's exports as synced here.
  syncBuiltinESMExports();
}
