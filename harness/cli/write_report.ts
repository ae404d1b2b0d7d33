/**
 * Writing the report site: what `report` does and what `quick` does after its run.
 * A helper of the commands, not a command, so that no command imports another.
 */
import { dirname } from 'node:path';
import type { LeaderboardOptions } from '../report/leaderboard.ts';
import { readSite, type WorkloadDescription } from '../report/site.ts';
import { assertRoomFor, outputFault, prepareOutDir } from '../store/dirs.ts';
import { Store } from '../store/store.ts';
import { findComparePages } from '../../reports/compare_page.ts';
import { type RenderOptions, renderSite, writeSite } from '../../reports/render.ts';
import { WORKLOADS } from '../../workloads/registry.ts';

function describeWorkload(name: string): WorkloadDescription | undefined {
  const def = WORKLOADS[name];
  if (def === undefined) return undefined;
  return { description: def.description, variants: Object.fromEntries(def.variants.map((v) => [v.name, v.description])) };
}

/**
 * Renders the report site of `dbPath` into `outDir` and returns the index page's path.
 * The store and the output directory are checked before any heavy work: a store that
 * cannot be read, or an `outDir` that cannot be written (a file on the path, a
 * read-only or pseudo file system, a full disk), fails at once with one line, and a
 * disk that fills up while the site is written fails with one line too.
 */
export async function writeReport(dbPath: string, outDir: string, options: LeaderboardOptions = {}, render: RenderOptions = {}): Promise<string> {
  const what = 'the report';
  const store = Store.open(dbPath, { readonly: true });
  let site;
  try {
    prepareOutDir(outDir, what);
    site = readSite(store, options, describeWorkload);
  } finally {
    store.close();
  }
  try {
    // Compare pages beside the site (or where compare writes by default, beside the store) are linked from it.
    const comparisons = render.comparisons ?? findComparePages(outDir, [dirname(dbPath)]);
    const files = await renderSite(site, { ...render, comparisons });
    assertRoomFor(prepareOutDir(outDir, what), Object.values(files).reduce((sum, c) => sum + Buffer.byteLength(c), 0), outDir, what);
    return writeSite(files, outDir);
  } catch (err) {
    throw outputFault(err, outDir, what);
  }
}
