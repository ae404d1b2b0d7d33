/**
 * `algobench new-submission`: writes a submission that runs as is — a module built
 * on the kit, its search space and a short README — so a researcher starts from
 * something that validates and edits it rather than from a blank page. The module
 * imports the kit by its package name, `algobench/kit`, wherever it is written; a
 * folder outside this checkout also gets a package.json (ES modules) and a
 * tsconfig.json whose `paths` point an editor or tsc at this checkout's kit.
 */
import { existsSync, mkdirSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlgobenchError, setting } from '../core/errors.ts';
import { entryPointPaths } from '../core/package_entry_points.ts';
import { SUBMISSIONS_DIR } from './load.ts';

/** This checkout's root, with a trailing separator. */
const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** Inside the checkout, its package.json makes `algobench/kit` a self-reference. */
function insideCheckout(dir: string): boolean {
  return (resolve(dir) + sep).startsWith(ROOT_DIR);
}

function moduleText(name: string): string {
  return `/**
 * ${name}: SGD with Nesterov momentum, linear warmup and cosine decay.
 * Edit the optimizer below; hyperparameters come from search_space.json.
 * \`algobench/kit\` is the kit of the algobench that runs this module (it also
 * exports \`tf\`, TensorFlow.js: take it from there, never from a copy of your own).
 */
import { addDecayedWeights, chain, defineSubmission, num, scaleByLearningRate, trace, warmupCosineFromHparams } from 'algobench/kit';

export default defineSubmission({
  name: '${name}',
  batchSize: 128,
  optimizer: (h, workload) =>
    chain(
      addDecayedWeights(num(h, 'weight_decay', 0)),
      trace({ decay: num(h, 'momentum', 0.9), nesterov: true }),
      // lr and warmup_frac: warmup to lr, then cosine decay to 0 at the step hint.
      scaleByLearningRate(warmupCosineFromHparams(h, workload.budget.stepHint, { lr: 0.05 })),
    ),
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

/**
 * For an editor or tsc in a folder outside the checkout: `algobench/kit` and
 * `algobench/spec` by `paths` to this checkout's files (the run itself does not
 * need it: the running algobench resolves the names).
 */
function tsconfigText(): string {
  const paths = Object.fromEntries(Object.entries(entryPointPaths()).map(([spec, path]) => [spec, [path]]));
  const config = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      skipLibCheck: true,
      paths,
    },
    include: ['*.ts', '*.mts'],
  };
  return `// For your editor and tsc: "paths" point at the algobench that wrote this folder.
// After \`npm install --ignore-scripts /path/to/algobench\` here, you may delete them.
${JSON.stringify(config, null, 2)}
`;
}

function readmeText(name: string, path: string, outside: boolean): string {
  const typecheck = outside
    ? `
\`algobench/kit\` and \`algobench/spec\` always resolve to the algobench that runs the
module. For your editor and \`npx -p typescript tsc -p .\`, \`tsconfig.json\` maps them
to the checkout that wrote this folder; or \`npm install --ignore-scripts
/path/to/algobench\` here, which also puts \`npx algobench\` on this folder's path.
`
    : '';
  return `# ${name}

An algobench submission. Check it, run it, score it:

\`\`\`sh
npx algobench validate ${path}
npx algobench run -w mnist_mlp -s ${path} --studies 2 --trials 4
npx algobench score
\`\`\`

\`submission.ts\` holds the algorithm (see docs/submitting.md for the contract, the
rules and the kit); \`search_space.json\` the external-tuning search space.
${typecheck}`;
}

/** Creates DIR/NAME with a runnable submission; returns the module's path. */
export function scaffoldSubmission(name: string, parentDir: string = SUBMISSIONS_DIR): string {
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(name)) {
    throw new AlgobenchError('E_USAGE', `bad submission name "${name}"; use lower-case letters, digits and _ (e.g. my_adamw)`);
  }
  const dir = resolve(parentDir, name);
  if (existsSync(dir)) throw new AlgobenchError('E_USAGE', `${dir} already exists; choose another name or ${setting('dir')}`);
  // Written into a temporary folder and renamed: no half-made submission on failure.
  const tmp = `${dir}.tmp-${process.pid}`;
  try {
    mkdirSync(tmp, { recursive: true });
    const outside = !insideCheckout(dir);
    writeFileSync(join(tmp, 'submission.ts'), moduleText(name));
    writeFileSync(join(tmp, 'search_space.json'), SEARCH_SPACE);
    writeFileSync(join(tmp, 'README.md'), readmeText(name, join(dir, 'submission.ts'), outside));
    if (outside) {
      // Outside an ES-module package a .ts file would load as CommonJS.
      writeFileSync(join(tmp, 'package.json'), '{ "type": "module" }\n');
      writeFileSync(join(tmp, 'tsconfig.json'), tsconfigText());
    }
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (err instanceof AlgobenchError) throw err;
    throw new AlgobenchError('E_USAGE', `cannot create ${dir}: ${(err as Error).message}; pass ${setting('dir')} with a writable folder`);
  }
  return join(dir, 'submission.ts');
}
