/**
 * `algobench new-submission`: writes a submission that runs as is — a module built
 * on the kit, its search space and a short README — so a researcher starts from
 * something that validates and edits it rather than from a blank page.
 */
import { existsSync, mkdirSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlgobenchError } from './errors.ts';
import { SUBMISSIONS_DIR } from './submissions.ts';

const KIT_INDEX = fileURLToPath(new URL('../submissions/kit/index.ts', import.meta.url));

function kitSpecifier(dir: string): string {
  const rel = relative(dir, KIT_INDEX).split(sep).join('/');
  // Inside the repository a relative import keeps the folder movable; outside it, an
  // absolute path to this checkout's kit.
  return resolve(dir).startsWith(SUBMISSIONS_DIR) ? (rel.startsWith('.') ? rel : `./${rel}`) : KIT_INDEX;
}

function moduleText(name: string, kit: string): string {
  return `/**
 * ${name}: SGD with Nesterov momentum, linear warmup and cosine decay.
 * Edit the optimizer below; hyperparameters come from search_space.json.
 */
import { chain, defineSubmission, num, scaleByLearningRate, trace, warmupCosine, addDecayedWeights } from '${kit}';

export default defineSubmission({
  name: '${name}',
  batchSize: 128,
  optimizer: (h, workload) => {
    const total = workload.budget.stepHint;
    const warmup = Math.round(num(h, 'warmup_frac', 0.05) * total);
    return chain(
      addDecayedWeights(num(h, 'weight_decay', 0)),
      trace({ decay: num(h, 'momentum', 0.9), nesterov: true }),
      scaleByLearningRate(warmupCosine(num(h, 'lr', 0.05), warmup, total)),
    );
  },
});
`;
}

const SEARCH_SPACE = `{
  "lr": { "min": 0.02, "max": 0.1, "scaling": "log" },
  "momentum": { "feasible_points": [0.9] },
  "weight_decay": { "min": 1e-6, "max": 1e-4, "scaling": "log" },
  "warmup_frac": { "feasible_points": [0.05] }
}
`;

function readmeText(name: string, path: string): string {
  return `# ${name}

An algobench submission. Check it, run it, score it:

\`\`\`sh
npx algobench validate ${path}
npx algobench run -w mnist_mlp -s ${path} --studies 2 --trials 4
npx algobench score
\`\`\`

\`submission.ts\` holds the algorithm (see docs/submitting.md for the contract, the
rules and the kit); \`search_space.json\` the external-tuning search space.
`;
}

/** Creates DIR/NAME with a runnable submission; returns the module's path. */
export function scaffoldSubmission(name: string, parentDir: string = SUBMISSIONS_DIR): string {
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(name)) {
    throw new AlgobenchError('E_USAGE', `bad submission name "${name}"; use lower-case letters, digits and _ (e.g. my_adamw)`);
  }
  const dir = resolve(parentDir, name);
  if (existsSync(dir)) throw new AlgobenchError('E_USAGE', `${dir} already exists; choose another name or --dir`);
  // Written into a temporary folder and renamed: no half-made submission on failure.
  const tmp = `${dir}.tmp-${process.pid}`;
  try {
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, 'submission.ts'), moduleText(name, kitSpecifier(dir)));
    writeFileSync(join(tmp, 'search_space.json'), SEARCH_SPACE);
    writeFileSync(join(tmp, 'README.md'), readmeText(name, join(dir, 'submission.ts')));
    // Outside an ES-module package a .ts file would load as CommonJS.
    if (!dir.startsWith(SUBMISSIONS_DIR)) writeFileSync(join(tmp, 'package.json'), '{ "type": "module" }\n');
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (err instanceof AlgobenchError) throw err;
    throw new AlgobenchError('E_USAGE', `cannot create ${dir}: ${(err as Error).message}; pass --dir with a writable folder`);
  }
  return join(dir, 'submission.ts');
}
