/**
 * What results cost: CPU time of every attempt (failed and interrupted ones too), per
 * reached target, core-hours, money at a set price, and energy only where measured.
 * Expected figures are worked out by hand below.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { energyJoulesSince, energyMark } from '../../harness/identity/energy.ts';
import { readSite } from '../../harness/report/site.ts';
import { renderSite } from '../../reports/render.ts';
import { addTrial, hardware, tempStore } from '../leaderboard/store_fixture.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

const text = (html: string) =>
  html
    .replace(/<svg[\s\S]*?<\/svg>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

async function costPage(price?: number) {
  const s = tempStore();
  cleanups.push(s.cleanup);
  const hardwareId = s.store.hardwareId(hardware('hw-one'));
  const runId = s.store.startRun(hardwareId, 'test', '0');
  const base = { hardwareId, runId, study: 0 };
  // a: two reached (12 + 25 CPU-s), one missed (110), one interrupted attempt (5): 152 CPU-s, 2 reached.
  addTrial(s.store, { ...base, submission: 'a', trial: 0, time: 10, cpuSec: 12 });
  addTrial(s.store, { ...base, submission: 'a', trial: 1, time: 20, cpuSec: 25 });
  addTrial(s.store, { ...base, submission: 'a', trial: 2, time: null, cpuSec: 110 });
  addTrial(s.store, { ...base, submission: 'a', trial: 3, time: null, cpuSec: 5, status: 'interrupted' });
  // b: 10 + 30 CPU-s with RAPL readings 1000 + 2500 J, and one older trial with no cost record; 1 reached.
  addTrial(s.store, { ...base, submission: 'b', trial: 0, time: 15, cpuSec: 10, energyJoules: 1000 });
  addTrial(s.store, { ...base, submission: 'b', trial: 1, time: null, cpuSec: 30, energyJoules: 2500 });
  addTrial(s.store, { ...base, submission: 'b', trial: 2, time: null });
  const files = await renderSite(readSite(s.store, { bootstrap: { resamples: 10 } }), price === undefined ? {} : { pricePerCoreHour: price });
  return text(files['index.html']!);
}

describe('the cost of results', () => {
  it('counts every attempt, divides by the targets reached, and states energy only where it was measured', async () => {
    const page = await costPage();
    // a: 4 attempts, 152 s, 152/3600 = 0.0422 core-hours, 152 / 2 = 76.0 s per reached target, no RAPL.
    expect(page).toContain('a 4 152 s 0.0422 2 76.0 s unavailable');
    // b: 3 attempts (1 without a record), 40 s, 0.0111 core-hours, 1 reached → 40.0 s, 3.5 kJ.
    expect(page).toContain('b 3 (1 without a CPU record) 40.0 s 0.0111 1 40.0 s 3.50 kJ');
    expect(page).toContain('exposes no RAPL counters');
    expect(page).not.toContain('per core-hour');
  });

  it('prices core-hours at the rate given', async () => {
    const page = await costPage(0.5);
    // a: 0.04222 core-hours × 0.5 = 0.0211; b: 0.01111 × 0.5 = 0.0056.
    expect(page).toContain('in money at 0.5 per core-hour');
    expect(page).toContain('a 4 152 s 0.0422 2 76.0 s 0.0211 unavailable');
    expect(page).toContain('1 40.0 s 0.0056 3.50 kJ');
  });
});

describe('RAPL energy counters', () => {
  function powercap(zones: Record<string, { uj: number; range: number }>): string {
    const root = mkdtempSync(join(tmpdir(), 'algobench-rapl-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    for (const [zone, { uj, range }] of Object.entries(zones)) {
      mkdirSync(join(root, zone));
      writeFileSync(join(root, zone, 'energy_uj'), `${uj}\n`);
      writeFileSync(join(root, zone, 'max_energy_range_uj'), `${range}\n`);
    }
    return root;
  }

  it('sums the package zones, corrects one wrap of a counter, and ignores subzones', () => {
    const root = powercap({ 'intel-rapl:0': { uj: 5_000_000, range: 10_000_000 }, 'intel-rapl:1': { uj: 9_000_000, range: 10_000_000 }, 'intel-rapl:0:0': { uj: 1, range: 10 } });
    const mark = energyMark(root);
    // Package 0 goes 5 J → 7 J (+2 J); package 1 wraps: 9 J → 10 J range → 0.5 J (+1.5 J). Total 3.5 J.
    writeFileSync(join(root, 'intel-rapl:0', 'energy_uj'), '7000000\n');
    writeFileSync(join(root, 'intel-rapl:1', 'energy_uj'), '500000\n');
    writeFileSync(join(root, 'intel-rapl:0:0', 'energy_uj'), '999\n');
    expect(energyJoulesSince(mark, root)).toBeCloseTo(3.5, 9);
  });

  it('is null, not zero, where the machine has no counters', () => {
    const empty = mkdtempSync(join(tmpdir(), 'algobench-rapl-'));
    cleanups.push(() => rmSync(empty, { recursive: true, force: true }));
    expect(energyMark(empty)).toBeNull();
    expect(energyMark(join(empty, 'missing'))).toBeNull();
    expect(energyJoulesSince(null, empty)).toBeNull();
  });
});
