// The main module of a trial's process: registers the module hooks that load the
// code the parent compiled (trial_loader.mjs), then starts the trial process proper.
// Usage: node <permission flags> trial_bootstrap.mjs <compiled dirs JSON> <entry points JSON> <facades JSON>
// (the entry points: package_entry_points.ts's entryPointUrls(); the facades: the
// parent's cjs_facades.ts table, so that importing TensorFlow.js skips Node's lexing
// of its CommonJS bundles, ~170 ms of every trial's start).
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';

// First of all: Ctrl-C reaches the whole process group, and a scheduler's SIGTERM
// (scancel, Slurm preemption, a deleted Kubernetes pod) every process of the job, this
// one too, possibly while it still loads. The parent decides: it sends 'interrupt', or
// kills this process. Dying here first would leave the parent a trial without a result.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => {});

const [compiledDirsJson, entryPointsJson, facadesJson] = process.argv.slice(2);
if (compiledDirsJson === undefined || entryPointsJson === undefined || facadesJson === undefined) {
  throw new Error('usage: trial_bootstrap.mjs <compiled dirs JSON> <entry points JSON> <facades JSON>');
}
const entryPoints = JSON.parse(entryPointsJson);
register(new URL('./trial_loader.mjs', import.meta.url), { data: { entryPoints, compiledDirs: JSON.parse(compiledDirsJson), root: fileURLToPath(new URL('../../../', import.meta.url)) } });
// Registered last, so it runs first: it resolves through trial_loader.mjs and takes over only the facades' files.
register(new URL('../../core/cjs_facade_hooks.mjs', import.meta.url), { data: { facades: JSON.parse(facadesJson) } });
await import(new URL('./trial_process.ts', import.meta.url).href);
