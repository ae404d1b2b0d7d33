/**
 * The training split's file (harness/runner/isolated/train_file.ts): what a trial's
 * process reads back is the split the parent wrote — every typed array with its kind,
 * length and bytes, at offsets its element size allows, and the other fields as they
 * were — in a folder private to this user, removed with the trial.
 */
import { existsSync, statSync, truncateSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readTrainDataFile, removeTrainDataDir, trainDataDir, writeTrainDataFile } from '../../harness/runner/isolated/train_file.ts';

/** The bytes of a typed array, for a comparison that sees NaN payloads and −0. */
const bytesOf = (a: ArrayBufferView): number[] => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

describe('training split file', () => {
  it('reads back every array (kind, length, bytes) and every other field, whatever the sizes before them', () => {
    const dir = trainDataDir();
    try {
      // Odd lengths of 1- and 2-byte arrays before 4- and 8-byte ones: each must start where its kind may.
      const split = {
        format: 'demo-v2',
        vocabSize: 77,
        tags: Uint8Array.from([1, 2, 3]),
        images: Float32Array.from([0.5, -0, Number.NaN, 3.25, -1e-30]),
        shorts: Int16Array.from([-7, 9, 11]),
        labels: Int32Array.from([4, -2, 2147483647]),
        weights: Float64Array.from([Math.PI, -Number.MAX_VALUE]),
        // A view into a larger buffer: only its own elements travel.
        window: new Uint16Array(Uint16Array.from([10, 20, 30, 40, 50]).buffer, 2, 3),
      };
      const file = writeTrainDataFile(dir, split);
      // Every array starts at a multiple of 8 bytes, so that the reader can view it in place.
      for (const [key, { offset }] of Object.entries(file.arrays)) expect(offset % 8, key).toBe(0);
      const back = readTrainDataFile(file);
      expect(back['format']).toBe('demo-v2');
      expect(back['vocabSize']).toBe(77);
      for (const key of ['tags', 'images', 'shorts', 'labels', 'weights', 'window'] as const) {
        const got = back[key] as ArrayBufferView & { length: number };
        expect(Object.prototype.toString.call(got), key).toBe(Object.prototype.toString.call(split[key]));
        expect(got.length, key).toBe(split[key].length);
        expect(bytesOf(got), key).toEqual(bytesOf(split[key]));
      }
      expect(Array.from(back['window'] as Uint16Array)).toEqual([20, 30, 40]);
      expect(Object.keys(back).sort()).toEqual(Object.keys(split).sort());
    } finally {
      removeTrainDataDir(dir);
    }
  });

  it('refuses a file whose size is not the manifest\'s, naming both', () => {
    const dir = trainDataDir();
    try {
      const file = writeTrainDataFile(dir, { format: 'x', values: new Float32Array(1000).fill(1) });
      truncateSync(file.path, 3000);
      expect(() => readTrainDataFile(file)).toThrow(/holds 3000 bytes, its manifest says 4000/);
    } finally {
      removeTrainDataDir(dir);
    }
  });

  it('keeps each trial\'s folder private to this user, and removes it with the trial', () => {
    const a = trainDataDir();
    const b = trainDataDir();
    expect(a).not.toBe(b);
    expect(statSync(a).mode & 0o077).toBe(0);
    const file = writeTrainDataFile(a, { values: Int32Array.from([1, 2, 3]) });
    expect(statSync(file.path).mode & 0o077).toBe(0);
    removeTrainDataDir(a);
    removeTrainDataDir(b);
    expect(existsSync(a)).toBe(false);
    expect(existsSync(b)).toBe(false);
  });
});
