/** `algobench validate` and `algobench new-submission`: the submitter's path. */
import { relative } from 'node:path';
import { Command } from 'commander';
import { AlgobenchError } from '../core/errors.ts';
import type { BackendChoice } from '../backends/select.ts';
import { backendOption, searchSpaceOption } from './options.ts';
import { searchSpacesOf } from './selection.ts';

export function validateCommand(): Command {
  return new Command('validate')
    .description('check a submission: contract, search space, rules, and a dry run of a few steps on mnist_mlp')
    .argument('<path>', 'submission module, its folder, or a name from submissions/')
    .addOption(backendOption())
    .addOption(searchSpaceOption())
    .action(async (path: string, flags: { backend: BackendChoice; searchSpace: string[] }) => {
      const { validateSubmission } = await import('../validate/validate.ts');
      const searchSpaceFile = searchSpacesOf(flags.searchSpace, [path])[path];
      const report = await validateSubmission(path, { backend: flags.backend, ...(searchSpaceFile === undefined ? {} : { searchSpaceFile }) });
      for (const line of report.passed) process.stdout.write(`ok    ${line}\n`);
      for (const f of report.findings) {
        const where = f.line > 0 ? `${relative(process.cwd(), f.file)}:${f.line}` : relative(process.cwd(), f.file);
        process.stdout.write(`FAIL  ${where}: ${f.problem} — fix: ${f.fix}\n`);
      }
      if (report.findings.length > 0) {
        throw new AlgobenchError('E_BAD_SUBMISSION', `${report.findings.length} finding(s) in ${report.modulePath}; fix them and validate again`);
      }
      process.stdout.write(`valid: ${report.modulePath}\n`);
    });
}

export function newSubmissionCommand(): Command {
  return new Command('new-submission')
    .description('scaffold a working submission (module, search space, README) to edit')
    .argument('<name>', 'submission name: lower-case letters, digits and _')
    .option('--dir <path>', 'parent folder (default: submissions/ of this checkout)')
    .action(async (name: string, flags: { dir?: string }) => {
      const { scaffoldSubmission } = await import('../submissions/scaffold.ts');
      const path = scaffoldSubmission(name, flags.dir);
      process.stdout.write(`created ${path}\nnext: algobench validate ${path}\n`);
    });
}
