/**
 * A long-lived Python process that answers one JSON request per line on stdin with one
 * JSON line on stdout. The PyTorch yardsticks run this way so that torch is imported
 * once per bench, not once per measurement: on a loaded 2-core machine an import takes
 * tens of seconds, and a bench makes dozens of measurements.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export type WorkerReply = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

export class PythonWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<(reply: WorkerReply) => void> = [];
  private stderr = '';
  private exited: string | undefined;

  constructor(python: string, script: string, args: readonly string[]) {
    this.child = spawn(python, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      this.waiting.shift()?.(typeof parsed['error'] === 'string' ? { ok: false, error: parsed['error'] } : { ok: true, value: parsed });
    });
    const fail = (why: string) => {
      this.exited = (this.stderr.trim().split('\n').at(-1) || why).slice(0, 200);
      for (const resolve of this.waiting.splice(0)) resolve({ ok: false, error: this.exited });
    };
    this.child.on('error', (e) => fail(e.message));
    this.child.on('exit', (code) => fail(`exit ${code}`));
    this.child.stdin.on('error', () => {});
  }

  /** The reply to one request, or why there is none (e.g. the process could not import torch). */
  request(message: Record<string, unknown>): Promise<WorkerReply> {
    if (this.exited !== undefined) return Promise.resolve({ ok: false, error: this.exited });
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}
