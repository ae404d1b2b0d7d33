// The main module of a trial's process: registers the module hooks that load the
// code the parent compiled (trial_loader.mjs), then starts the trial process proper.
// Usage: node <permission flags> trial_bootstrap.mjs <compiled dirs JSON> <entry points JSON>
// (the entry points: package_entry_points.ts's entryPointUrls()).
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';

const [compiledDirsJson, entryPointsJson] = process.argv.slice(2);
if (compiledDirsJson === undefined || entryPointsJson === undefined) {
  throw new Error('usage: trial_bootstrap.mjs <compiled dirs JSON> <entry points JSON>');
}
const entryPoints = JSON.parse(entryPointsJson);
register(new URL('./trial_loader.mjs', import.meta.url), { data: { entryPoints, compiledDirs: JSON.parse(compiledDirsJson), root: fileURLToPath(new URL('../../../', import.meta.url)) } });
await import(new URL('./trial_process.ts', import.meta.url).href);
