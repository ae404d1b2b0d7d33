/** `algobench export`: every stored trial and eval as CSV and/or JSON files. */
import { Command, Option } from 'commander';
import { EXPORT_FORMATS, writeExports, type ExportFormat } from '../report/exports.ts';
import { outputFault, prepareOutDir } from '../store/dirs.ts';
import { dbOption, outDirOption } from './options.ts';

export function exportCommand(): Command {
  return new Command('export')
    .description('write trials and evals of the store as trials.csv/evals.csv and/or trials.json/evals.json')
    .addOption(dbOption())
    .addOption(outDirOption().makeOptionMandatory())
    .addOption(new Option('--format <format>', 'csv or json (default: both)').choices([...EXPORT_FORMATS]))
    .action(async (flags: { db: string; out: string; format?: ExportFormat }) => {
      const { Store } = await import('../store/store.ts');
      // The store and the output directory are checked before anything is read.
      const store = Store.open(flags.db, { readonly: true });
      let paths: string[];
      try {
        prepareOutDir(flags.out, 'the export');
        paths = writeExports(store, flags.out, flags.format === undefined ? EXPORT_FORMATS : [flags.format]);
      } catch (err) {
        throw outputFault(err, flags.out, 'the export');
      } finally {
        store.close();
      }
      process.stdout.write(`${paths.join('\n')}\n`);
    });
}
