/**
 * `algobench saver-replay`: the budget saver replayed over stored learning curves
 * (harness/saver/replay.ts, docs/budget_saver.md) — compute saved and wrong stops per
 * workload with thresholds calibrated out of sample, and the in-sample sweep. Reads the
 * shipped corpus, another corpus folder, or a results store (whose corpus
 * --save-corpus writes).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { AlgobenchError } from '../core/errors.ts';
import { readCorpus, type CurveTrial } from '../saver/corpus.ts';
import { SIGMA_FLOORS } from '../saver/model.ts';
import { DEFAULT_MIN_FRACTION, DEFAULT_SAVER_THRESHOLD, DEFAULT_SIGMA_FLOOR } from '../saver/policy.ts';
import { calibrate, crossValidate, MAX_WRONG_STOP_SHARE, replayCorpus, THRESHOLD_GRID, type CrossValidation, type ReplayFigures } from '../saver/replay.ts';
import { dbOption, jsonOption } from './options.ts';
import { decimalText } from './parsers.ts';

export const SHIPPED_CORPUS = 'test/fixtures/learning_curves';

interface ReplayFlags {
  db: string;
  corpus?: string;
  saveCorpus?: string;
  minFraction: number;
  json?: boolean;
}

function parseMinFraction(value: string): number {
  const f = decimalText(value);
  if (!(f >= 0 && f < 1)) throw new AlgobenchError('E_USAGE', `--min-fraction takes a share of the budget in [0, 1), got "${value}"; pass e.g. --min-fraction 0.2`);
  return f;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

function line(name: string, floor: number | string, threshold: number | string, f: ReplayFigures): string {
  return `${name.padEnd(20)} ${String(floor).padStart(5)} ${String(threshold).padStart(9)} ${String(f.trials).padStart(6)} ${String(f.reached).padStart(7)} ${String(f.stopped).padStart(7)} ${`${f.wrongStops} (${pct(f.wrongStopShare)})`.padStart(13)} ${pct(f.savedShare).padStart(8)}`;
}

const HEADER = `${'held out'.padEnd(20)} ${'floor'.padStart(5)} ${'threshold'.padStart(9)} ${'trials'.padStart(6)} ${'reached'.padStart(7)} ${'stopped'.padStart(7)} ${'wrong stops'.padStart(13)} ${'saved'.padStart(8)}`;

function crossValidationText(cv: CrossValidation): string {
  const rows = cv.groups.map((g) => line(g.group, g.sigmaFloor, g.threshold, g.figures));
  return [`leave one ${cv.by} out (spread floor and threshold calibrated on the others: most saved with ≤ ${pct(MAX_WRONG_STOP_SHARE)} wrong stops):`, HEADER, ...rows, line('pooled', '-', '-', cv.pooled)].join('\n');
}

export function saverReplayCommand(): Command {
  return new Command('saver-replay')
    .description(
      `replay the budget saver over stored learning curves: compute saved and wrong stops per workload, thresholds calibrated out of sample (reads ${SHIPPED_CORPUS} unless --corpus or --db is given)`,
    )
    .addOption(dbOption())
    .addOption(new Option('--corpus <dir>', 'a folder of learning-curve corpus files (.json)'))
    .addOption(new Option('--save-corpus <dir>', 'with --db: write the store\'s learning curves there, one file per workload'))
    .addOption(new Option('--min-fraction <f>', 'the saver never stops before this share of the budget').default(DEFAULT_MIN_FRACTION).argParser(parseMinFraction))
    .addOption(jsonOption())
    .action(async (flags: ReplayFlags, cmd: Command) => {
      const fromDb = cmd.getOptionValueSource('db') === 'cli';
      if (fromDb && flags.corpus !== undefined) throw new AlgobenchError('E_USAGE', 'pass either --db (a results store) or --corpus (a corpus folder), not both');
      if (flags.saveCorpus !== undefined && !fromDb) throw new AlgobenchError('E_USAGE', '--save-corpus writes the learning curves of a results store; pass --db FILE with it');
      let trials: CurveTrial[];
      if (fromDb) {
        const { Store } = await import('../store/store.ts');
        const { corpusFromStore } = await import('../report/learning_curves.ts');
        const store = Store.open(flags.db, { readonly: true });
        try {
          const files = corpusFromStore(store);
          trials = [...files.values()].flatMap((f) => f.trials);
          if (flags.saveCorpus !== undefined) {
            mkdirSync(flags.saveCorpus, { recursive: true });
            for (const [column, file] of files) writeFileSync(join(flags.saveCorpus, `${column.replace(':', '__')}.json`), `${JSON.stringify(file)}\n`);
          }
        } finally {
          store.close();
        }
      } else {
        trials = readCorpus(flags.corpus ?? SHIPPED_CORPUS);
      }
      if (trials.length === 0) throw new AlgobenchError('E_USAGE', 'no learning curves to replay (no finished external-tuning trials run without the saver); run some first');
      const minFraction = flags.minFraction;
      const byWorkload = crossValidate(trials, 'workload', minFraction);
      const bySubmission = crossValidate(trials, 'submission', minFraction);
      const sweep = SIGMA_FLOORS.flatMap((sigmaFloor) => THRESHOLD_GRID.map((threshold) => ({ sigmaFloor, threshold, figures: replayCorpus(trials, { threshold, minFraction, sigmaFloor }) })));
      const inSample = calibrate(trials, minFraction);
      const defaults = { threshold: DEFAULT_SAVER_THRESHOLD, sigmaFloor: DEFAULT_SIGMA_FLOOR };
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ minFraction, defaults, inSample, trials: trials.length, byWorkload, bySubmission, sweep }, null, 2)}\n`);
        return;
      }
      const reached = trials.filter((t) => t.status === 'reached').length;
      const out = [
        `corpus: ${trials.length} trials (${reached} reached), ${new Set(trials.map((t) => t.workload)).size} workloads, ${new Set(trials.map((t) => t.submission)).size} submissions; never stopped before ${pct(minFraction)} of the budget`,
        '',
        crossValidationText(byWorkload),
        '',
        crossValidationText(bySubmission),
        '',
        'in sample (the whole corpus, every spread floor and threshold):',
        HEADER.replace('held out'.padEnd(20), 'corpus'.padEnd(20)),
        ...sweep.map((s) => line(s.threshold === defaults.threshold && s.sigmaFloor === defaults.sigmaFloor ? 'all (the default)' : 'all', s.sigmaFloor, s.threshold, s.figures)),
        '',
        `calibrated on the whole corpus: spread floor ${inSample.sigmaFloor}, threshold ${inSample.threshold}` +
          (inSample.threshold === defaults.threshold && inSample.sigmaFloor === defaults.sigmaFloor ? ' (the default)' : ` (the default is floor ${defaults.sigmaFloor}, threshold ${defaults.threshold})`),
      ];
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
