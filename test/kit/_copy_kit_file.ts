/**
 * Builds a submission folder the way a researcher vendors kit code: kit files copied
 * beside a small submission.ts that imports them by relative path. A copy keeps
 * importing what the original imported: each relative import is re-pointed at the
 * same file from the copy's new place (or at the copied sibling, if that file was
 * copied too). Whether that passes `validate` is then the kit files' own doing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KIT_DIR = fileURLToPath(new URL('../../submissions/kit/', import.meta.url));

const RELATIVE_IMPORT = /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\2/g;

const asSpecifier = (path: string): string => (path.startsWith('.') ? path : `./${path}`);

/**
 * Copies kit files (paths relative to submissions/kit/) into `dir`, flat, with their
 * relative imports re-pointed. `sourceOf` gives a file's text (the working tree's by
 * default; a script can pass an older commit's to see how that one fared).
 */
export function copyKitFiles(
  dir: string,
  files: readonly string[],
  sourceOf: (kitPath: string) => string = (p) => readFileSync(join(KIT_DIR, p), 'utf8'),
): void {
  const copied = new Map(files.map((f) => [resolve(KIT_DIR, f), join(dir, basename(f))]));
  for (const file of files) {
    const from = dirname(resolve(KIT_DIR, file));
    const text = sourceOf(file).replace(RELATIVE_IMPORT, (_m, lead: string, quote: string, spec: string) => {
      const target = resolve(from, spec);
      const now = copied.get(target) ?? target;
      return `${lead}${quote}${asSpecifier(relative(dir, now))}${quote}`;
    });
    writeFileSync(copied.get(resolve(KIT_DIR, file))!, text);
  }
}

/**
 * A submission that trains with the copied `scaleByAdam` and the copied
 * `shuffleEachEpoch`, and takes everything else from the kit by relative path.
 */
export function writeVendoringSubmission(dir: string): string {
  const kit = asSpecifier(relative(dir, join(KIT_DIR, 'index.ts')));
  const modulePath = join(dir, 'submission.ts');
  writeFileSync(
    modulePath,
    `/** Adam and the epoch shuffle from copies of the kit's files beside this module. */
import { chain, defineSubmission, scaleByLearningRate, warmupCosineFromHparams } from '${kit}';
import { scaleByAdam } from './adam.ts';
import { shuffleEachEpoch } from './shuffle_each_epoch.ts';

export default defineSubmission({
  name: 'vendored_kit',
  batchSize: 64,
  optimizer: (h, workload) =>
    chain(scaleByAdam({ b1: 0.9, b2: 0.999 }), scaleByLearningRate(warmupCosineFromHparams(h, workload.budget.stepHint, { lr: 1e-3 }))),
  selectData: shuffleEachEpoch(),
});
`,
  );
  writeFileSync(
    join(dir, 'search_space.json'),
    '{ "lr": { "min": 1e-3, "max": 3e-3, "scaling": "log" }, "warmup_frac": { "feasible_points": [0.05] } }\n',
  );
  return modulePath;
}

/** The kit files the vendoring submission copies: the two that used to reach into harness/, and what they need. */
export const VENDORED_FILES = ['transforms/adam.ts', 'selectors/_orders.ts', 'selectors/shuffle_each_epoch.ts'] as const;
