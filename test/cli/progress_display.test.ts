/**
 * The live progress bar hides the cursor while a trial runs. A run that ends without its
 * trial ending (a store or machine fault raised mid-trial) must still stop the bar, or the
 * error line lands on the bar and the user's terminal is left with no cursor: `close()`,
 * which `run` and `compare` call however the run ends. A terminal is a stream with isTTY;
 * the escape codes are the terminal's (DECTCEM: ESC[?25l hides the cursor, ESC[?25h
 * shows it), not cli-progress's own words.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressDisplay } from '../../harness/cli/progress.ts';
import type { PlannedTrial } from '../../harness/benchmark/plan.ts';

const HIDE = '\x1b[?25l';
const SHOW = '\x1b[?25h';

/** A terminal-like stream that keeps what is written to it. */
function terminal(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & Record<string, unknown>;
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  Object.assign(stream, { isTTY: true, columns: 100, rows: 30, cursorTo: () => true, clearLine: () => true, moveCursor: () => true, getWindowSize: () => [100, 30] });
  return { stream, text: () => chunks.join('') };
}

const planned = {
  workload: { name: 'mnist_mlp', metric: { name: 'accuracy', direction: 'max' } },
  submission: { name: 'adamw' },
  study: 0,
  trial: 0,
  budgetSec: 10,
  targets: { validation: 0.97, test: 0.97 },
} as unknown as PlannedTrial;

const started = () => {
  const t = terminal();
  const display = progressDisplay(t.stream);
  display.onStart!({ backend: { name: 'wasm', version: 'x', package: 'p' }, hardware: { fingerprint: 'f' }, total: 1, dbPath: 'db' } as never);
  display.onTrialStart!(0, planned, false);
  return { t, display };
};

describe('the live progress bar', () => {
  it('hides the cursor while a trial runs', async () => {
    const { t, display } = started();
    await new Promise((r) => setImmediate(r));
    expect(t.text()).toContain(HIDE);
    display.close();
  });

  it('shows the cursor again on close(), with no trial end', async () => {
    const { t, display } = started();
    display.close();
    await new Promise((r) => setImmediate(r));
    const text = t.text();
    expect(text.lastIndexOf(SHOW)).toBeGreaterThan(text.lastIndexOf(HIDE));
  });

  it('close() after the trial ended, or twice, writes nothing more', async () => {
    const { t, display } = started();
    display.onTrialEnd!(0, planned, { status: 'budget_exhausted', timeToTargetSec: null, targetStep: null, targetResolution: null, steps: 3, submissionTimeSec: 1, evalTimeSec: 0, evals: 0, testReached: false });
    await new Promise((r) => setImmediate(r));
    const before = t.text();
    display.close();
    display.close();
    await new Promise((r) => setImmediate(r));
    expect(t.text()).toBe(before);
  });
});
