/**
 * The data cache (workloads/common/data_cache.ts) on real files in a temporary
 * ALGOBENCH_CACHE_DIR: a cold and a warm load give the uncached decode's arrays byte
 * for byte; the key follows every input it names; a damaged file is rebuilt, not
 * trusted; concurrent writers leave one whole file; a folder that cannot be written
 * costs nothing but the cache.
 *
 * The expected arrays are each data set's own decode, called directly (no cache); the
 * expected file layout is the one the module's doc comment states.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localImportClosure } from '../../harness/core/import_closure.ts';
import { CHAR_DATASET } from '../../workloads/char_lm/data.ts';
import { type CachedDataset, cachedDecode, dataCacheKey } from '../../workloads/common/data_cache.ts';
import { dataCacheFile, type FieldSpec, type Fields, readDataCacheFile } from '../../workloads/common/data_cache_file.ts';
import { G2P_DATASET } from '../../workloads/g2p_gru/data.ts';
import { MNIST_DATASET } from '../../workloads/mnist/data.ts';
import { SPAM_DATASET } from '../../workloads/spam_bow/data.ts';
import { syntheticDataset, SYNTHETIC_VALUES, writeSyntheticProject } from './_data_cache_fixture.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./_data_cache_child.ts', import.meta.url));

let dir = '';
let saved: Record<string, string | undefined> = {};
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'algobench-data-cache-'));
  saved = { ALGOBENCH_CACHE_DIR: process.env.ALGOBENCH_CACHE_DIR, ALGOBENCH_DATA_CACHE: process.env.ALGOBENCH_DATA_CACHE };
  process.env.ALGOBENCH_CACHE_DIR = join(dir, 'cache');
  delete process.env.ALGOBENCH_DATA_CACHE;
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Each field's type and bytes (typed arrays) or its strings, to compare exactly, each as
 * one string: toEqual over g2p's array of words took ~10 s, over one string microseconds.
 */
function exact(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (Array.isArray(v)) return [k, { strings: JSON.stringify(v) }];
      const a = v as Float32Array;
      return [k, { type: Object.prototype.toString.call(a), length: a.length, bytes: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') }];
    }),
  );
}

/** The data set with a decode that counts its calls. */
function counted<S extends FieldSpec>(dataset: CachedDataset<S>): { dataset: CachedDataset<S>; calls: () => number } {
  let calls = 0;
  return { dataset: { ...dataset, decode: () => (calls++, dataset.decode()) }, calls: () => calls };
}

function cacheFiles(): string[] {
  const cache = join(dir, 'cache');
  return existsSync(cache) ? readdirSync(cache).sort() : [];
}

describe('the four data sets', () => {
  const DATASETS = [MNIST_DATASET, CHAR_DATASET, SPAM_DATASET, G2P_DATASET] as unknown as CachedDataset<FieldSpec>[];
  it.each(DATASETS.map((d) => [d.name, d] as const))('%s: cold and warm loads give the uncached decode byte for byte', (_, dataset) => {
    const uncached = exact(dataset.decode());
    const { dataset: spied, calls } = counted(dataset);
    const cold = cachedDecode(spied);
    expect(calls()).toBe(1);
    expect(cacheFiles()).toEqual([`${dataset.name}-${dataCacheKey(dataset).slice(0, 32)}.bin`]);
    const warm = cachedDecode(spied);
    expect(calls()).toBe(1);
    expect(exact(cold)).toEqual(uncached);
    expect(exact(warm)).toEqual(uncached);
    // Standalone arrays, as the decode makes: not views into one file-sized buffer.
    for (const v of Object.values(warm)) if (!Array.isArray(v)) expect((v as Float32Array).byteOffset).toBe(0);
  }, 120_000);

  it('ALGOBENCH_DATA_CACHE=off decodes and writes nothing', () => {
    process.env.ALGOBENCH_DATA_CACHE = 'off';
    const { dataset, calls } = counted(CHAR_DATASET as unknown as CachedDataset<FieldSpec>);
    cachedDecode(dataset);
    cachedDecode(dataset);
    expect(calls()).toBe(2);
    expect(cacheFiles()).toEqual([]);
  }, 60_000);

  it("hashes each data module's local imports, harness files included", () => {
    const files = localImportClosure(fileURLToPath(MNIST_DATASET.code), { includeHarness: true }).map((f) => f.slice(ROOT.length));
    // workloads/mnist/data.ts imports these by relative path (see its import lines).
    for (const f of ['workloads/mnist/data.ts', 'harness/core/rng.ts', 'harness/spec.ts', 'workloads/common/train_only.ts', 'workloads/common/data_cache.ts']) {
      expect(files).toContain(f);
    }
    expect(localImportClosure(fileURLToPath(MNIST_DATASET.code)).some((f) => f.startsWith(join(ROOT, 'harness')))).toBe(false);
  });
});

describe('the key', () => {
  it('changes with a byte of a source file or of any code file the entry imports, and only then', () => {
    const project = join(dir, 'project');
    writeSyntheticProject(project);
    const dataset = syntheticDataset(project);
    const base = dataCacheKey(dataset);
    expect(dataCacheKey(dataset)).toBe(base);
    writeFileSync(join(project, 'unrelated.ts'), 'export {};\n');
    expect(dataCacheKey(dataset)).toBe(base);

    writeFileSync(join(project, 'data.txt'), 'seed 8\n');
    const sourceChanged = dataCacheKey(dataset);
    expect(sourceChanged).not.toBe(base);

    writeFileSync(join(project, 'data.txt'), 'seed 7\n');
    expect(dataCacheKey(dataset)).toBe(base);
    writeFileSync(join(project, 'lib', 'helper.ts'), 'export const helper = 2;\n');
    expect(dataCacheKey(dataset)).not.toBe(base);
    expect(dataCacheKey(dataset)).not.toBe(sourceChanged);
  });

  it('a changed code file means decoding again, not reading the old file', () => {
    const project = join(dir, 'project');
    writeSyntheticProject(project);
    const { dataset, calls } = counted(syntheticDataset(project));
    cachedDecode(dataset);
    cachedDecode(dataset);
    expect(calls()).toBe(1);
    writeFileSync(join(project, 'lib', 'helper.ts'), 'export const helper = 2;\n');
    cachedDecode(dataset);
    expect(calls()).toBe(2);
    // The file of the old key is gone; the new one is there.
    expect(cacheFiles()).toEqual([`synthetic-${dataCacheKey(dataset).slice(0, 32)}.bin`]);
  });
});

describe('a damaged cache file', () => {
  /** Writes the synthetic data set's file, damages it, and loads again. */
  function afterDamage(damage: (file: string) => void): { calls: number; value: Record<string, unknown>; expected: Record<string, unknown>; file: string } {
    const project = join(dir, 'project');
    writeSyntheticProject(project);
    const { dataset, calls } = counted(syntheticDataset(project));
    const expected = exact(syntheticDataset(project).decode() as Fields<FieldSpec>);
    cachedDecode(dataset);
    const file = dataCacheFile(join(dir, 'cache'), 'synthetic', dataCacheKey(dataset));
    damage(file);
    const value = exact(cachedDecode(dataset) as Fields<FieldSpec>);
    return { calls: calls(), value, expected, file };
  }

  it.each([
    ['truncated by one byte', (f: string) => truncateSync(f, statSync(f).size - 1)],
    ['truncated inside the header', (f: string) => truncateSync(f, 20)],
    ['one payload byte flipped', (f: string) => {
      const b = readFileSync(f);
      b[b.length - 100] = b[b.length - 100]! ^ 1;
      writeFileSync(f, b);
    }],
    ['a byte appended', (f: string) => writeFileSync(f, Buffer.concat([readFileSync(f), Buffer.from([0])]))],
    ['garbage of the same size', (f: string) => writeFileSync(f, Buffer.alloc(statSync(f).size, 0x41))],
    ['empty', (f: string) => writeFileSync(f, '')],
  ])('%s: decoded again and rewritten', (_, damage) => {
    const { calls, value, expected, file } = afterDamage(damage);
    expect(calls).toBe(2);
    expect(value).toEqual(expected);
    const project = join(dir, 'project');
    expect(readDataCacheFile(file, syntheticDataset(project), dataCacheKey(syntheticDataset(project)))).toBeDefined();
  });

  it('a field whose header length does not match its bytes is refused (header edited, payload intact)', () => {
    const project = join(dir, 'project');
    writeSyntheticProject(project);
    const dataset = syntheticDataset(project);
    const key = dataCacheKey(dataset);
    cachedDecode(dataset);
    const file = dataCacheFile(join(dir, 'cache'), 'synthetic', key);
    const bytes = readFileSync(file);
    // Layout: 8-byte magic, uint32 LE header length, the header (JSON), the payload.
    const headerLength = bytes.readUInt32LE(8);
    const header = bytes.subarray(12, 12 + headerLength).toString('utf8');
    // ids holds 3 int32 (12 bytes): claim 2 elements in the same 12 bytes, same header length.
    const edited = header.replace('"name":"ids","kind":"int32","length":3', '"name":"ids","kind":"int32","length":2');
    expect(edited).not.toBe(header);
    writeFileSync(file, Buffer.concat([bytes.subarray(0, 12), Buffer.from(edited), bytes.subarray(12 + headerLength)]));
    expect(readDataCacheFile(file, dataset, key)).toBeUndefined();
  });
});

describe('writing', () => {
  it('a folder that cannot be created costs the cache only: the decode is returned', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a folder');
    process.env.ALGOBENCH_CACHE_DIR = join(blocker, 'cache');
    const project = join(dir, 'project');
    writeSyntheticProject(project);
    const { dataset, calls } = counted(syntheticDataset(project));
    expect(exact(cachedDecode(dataset) as Fields<FieldSpec>)).toEqual(exact(syntheticDataset(project).decode() as Fields<FieldSpec>));
    expect(calls()).toBe(1);
  });

  it('two processes writing at once leave one whole file, and no reader ever sees a part of one', async () => {
    const project = join(dir, 'project');
    writeSyntheticProject(project);
    const dataset = syntheticDataset(project);
    const file = dataCacheFile(join(dir, 'cache'), 'synthetic', dataCacheKey(dataset));
    // The whole file's size: magic, header length, header, 48 MiB + 12 + 3 bytes and the names' JSON.
    const payload = SYNTHETIC_VALUES * 4 + 12 + 3 + Buffer.byteLength(JSON.stringify(['a', 'é', '\u{1F600}', '']));
    const startAt = Date.now() + 5000;
    const run = () =>
      new Promise<{ code: number | null; out: string; err: string }>((done) => {
        const p = spawn(process.execPath, ['--import', 'tsx', CHILD, String(startAt), project], { cwd: ROOT, env: process.env });
        let out = '';
        let err = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        p.on('close', (code) => done({ code, out, err }));
      });
    const children = Promise.all([run(), run()]);
    let finished = false;
    void children.then(() => (finished = true));
    const partial: number[] = [];
    while (!finished) {
      if (existsSync(file)) {
        const bytes = readFileSync(file);
        const size = bytes.length;
        if (size < 12 || size !== 12 + bytes.readUInt32LE(8) + payload) partial.push(size);
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    const results = await children;
    for (const r of results) expect(r.code, r.err.slice(-2000)).toBe(0);
    expect(partial).toEqual([]);
    const outs = results.map((r) => JSON.parse(r.out) as { decoded: boolean; length: number; sum: number });
    expect(outs[0]!.sum).toBe(outs[1]!.sum);
    expect(cacheFiles()).toEqual([file.slice(join(dir, 'cache').length + 1)]);
    expect(exact(readDataCacheFile(file, dataset, dataCacheKey(dataset)) as Fields<FieldSpec>)).toEqual(exact(dataset.decode() as Fields<FieldSpec>));
  }, 60_000);
});
