/**
 * A synthetic data set for data_cache.test.ts: its "code" and "package file" are
 * files of a temporary folder (never the real packages), and its decode is a
 * function of the package file's bytes, big enough that writing it takes a while.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CachedDataset } from '../../workloads/common/data_cache.ts';

/** Float32 values in the synthetic payload: 48 MiB, so that a write is not instant. */
export const SYNTHETIC_VALUES = 12 * 1024 * 1024;

export type SyntheticFields = { values: 'float32'; ids: 'int32'; bytes: 'uint8'; names: 'strings' };

/** Writes the code (entry.ts importing helper.ts) and the source file (data.txt) under `root`. */
export function writeSyntheticProject(root: string): void {
  mkdirSync(join(root, 'lib'), { recursive: true });
  writeFileSync(join(root, 'entry.ts'), "import { helper } from './lib/helper.ts';\nexport const x = helper;\n");
  writeFileSync(join(root, 'lib', 'helper.ts'), 'export const helper = 1;\n');
  writeFileSync(join(root, 'data.txt'), 'seed 7\n');
}

/** The synthetic data set whose files lie under `root` (see writeSyntheticProject). */
export function syntheticDataset(root: string): CachedDataset<SyntheticFields> {
  const source = join(root, 'data.txt');
  return {
    name: 'synthetic',
    code: join(root, 'entry.ts'),
    fields: { values: 'float32', ids: 'int32', bytes: 'uint8', names: 'strings' },
    sources: () => [source],
    decode: () => {
      const seed = readFileSync(source, 'utf8').length;
      const values = new Float32Array(SYNTHETIC_VALUES);
      for (let i = 0; i < values.length; i++) values[i] = Math.fround((i % 1000) / 7 + seed);
      return { values, ids: Int32Array.from([3, -1, 2 ** 31 - 1]), bytes: Uint8Array.from([0, 255, 7]), names: ['a', 'é', '\u{1F600}', ''] };
    },
  };
}
