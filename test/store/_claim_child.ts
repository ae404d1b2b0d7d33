/**
 * A process that claims trials of a store, for the claim tests (claims.test.ts); run
 * as `node --import tsx test/store/_claim_child.ts ARGS_JSON`. It prints one JSON line
 * per claim ({ trial, kind, trialId }) and, in `hold` mode, stays alive (holding its
 * claim) until it is killed. Modes:
 * - run: claim each trial; finish the ones it claimed (status reached), then exit.
 * - hold: claim each trial and keep the claims (never finish), printing "holding".
 * `go`: a file to wait for before the first claim (so that racers start together);
 *   "ready" is printed once the store is open and the child waits for it.
 * `workMs`: how long "running" a claimed trial takes (run mode), between claim and finish.
 * `clockOffsetSec`: added to the wall clock of claims (a fake clock ahead of time).
 */
import { existsSync } from 'node:fs';
import { Store } from '../../harness/store/store.ts';
import { hardware, key as keyOf, newTrial } from './_rows.ts';

interface Args {
  readonly db: string;
  readonly mode: 'run' | 'hold';
  readonly trials: readonly number[];
  readonly leaseSec: number;
  readonly go?: string;
  readonly clockOffsetSec?: number;
  readonly workMs?: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;

const offset = args.clockOffsetSec ?? 0;
const store = Store.open(args.db, { wallClock: () => Date.now() / 1000 + offset });
// Its own hardware row: claims.test.ts builds the same one to read what the child wrote.
const hardwareId = store.hardwareId({ ...hardware('claim-test-hw'), nodeVersion: process.version, tfjsVersion: '0', backendVersion: '0' });
const runId = store.startRun(hardwareId, `claim child ${process.pid}`, '0.0.0+test');

if (args.go !== undefined) {
  process.stdout.write('ready\n');
  while (!existsSync(args.go)) await new Promise((r) => setTimeout(r, 5));
}

for (const trial of args.trials) {
  const key = keyOf(hardwareId, { trial });
  const nt = newTrial(runId, key, { seed: trial, backendVersion: '0' });
  const got = store.claimTrial(key, nt, args.leaseSec);
  const trialId = got.kind === 'claimed' ? got.trialId : got.row.id;
  if (got.kind === 'claimed' && args.mode === 'run') {
    if (args.workMs !== undefined) await new Promise((r) => setTimeout(r, args.workMs));
    store.recordEval(trialId, { step: 1, submissionTimeSec: 1, evalTimeSec: 0.1, trainLoss: 1, validation: { accuracy: 0.95 }, test: { accuracy: 0.95 } });
    store.finishTrial(trialId, {
      status: 'reached',
      timeToTargetSec: 1,
      targetStep: 1,
      targetResolution: 0,
      testReached: true,
      steps: 1,
      submissionTimeSec: 1,
      evalTimeSec: 0.1,
      evals: 1,
    });
  }
  process.stdout.write(`${JSON.stringify({ trial, kind: got.kind, trialId, pid: process.pid })}\n`);
}

if (args.mode === 'hold') {
  process.stdout.write('holding\n');
  setInterval(() => undefined, 1000);
} else {
  store.finishRun(runId, 'finished');
  store.close();
}
