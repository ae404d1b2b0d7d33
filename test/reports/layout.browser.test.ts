/**
 * The report's layout in a real browser, on a hand-made store (no trials run, so it
 * is quick): at 1400 px nothing makes the page wider than the window — a table
 * wider than its box scrolls inside it, a trials table shows every column without
 * scrolling — every chart has drawn marks, the sensitivity charts are there, and
 * the verdicts and the cost table are visible text. Needs Debian's chromium at
 * /usr/bin/chromium; skipped with a reason without it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { summarizeComparison } from '../../harness/report/comparison.ts';
import { readSite } from '../../harness/report/site.ts';
import { renderComparePage } from '../../reports/compare_page.ts';
import { renderSite, writeSite } from '../../reports/render.ts';
import { addTrial, standardStore } from '../leaderboard/store_fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`layout.browser.test: skipped, ${CHROMIUM} is missing (install Debian's chromium package)`);

const out = mkdtempSync(join(tmpdir(), 'algobench-layout-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('report layout in a browser', () => {
  it.skipIf(!HAS_CHROMIUM)('fits a 1400 px window: no table clipped, every chart drawn', async () => {
    const s = standardStore();
    try {
      // A submission with many long-named hyperparameters: they wrap in their one cell of the trials table.
      const hparams = (i: number) => Object.fromEntries(Array.from({ length: 14 }, (_, k) => [`a_rather_long_hyperparameter_name_${k}`, 0.001 * (1 + i) * (k + 1)]));
      for (const trial of [0, 1, 2]) addTrial(s.store, { hardwareId: s.hardwareId, runId: s.runId, submission: 'wide', study: 0, trial, time: 10 + trial, hparams: hparams(trial), cpuSec: 20 });
      writeSite(await renderSite(readSite(s.store, { bootstrap: { resamples: 20 } }), { pricePerCoreHour: 0.05 }), out);
    } finally {
      s.cleanup();
    }
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const look = async (file: string) => {
        await page.goto(pathToFileURL(join(out, file)).href, { waitUntil: 'load' });
        return page.evaluate(() => {
          const scrollsItself = (t: Element) => {
            for (let e = t.parentElement; e !== null; e = e.parentElement) if (getComputedStyle(e).overflowX === 'auto') return true;
            return false;
          };
          const svgs = [...document.querySelectorAll('figure.chart svg.marks')];
          return {
            overflowPx: document.documentElement.scrollWidth - window.innerWidth,
            wideTables: [...document.querySelectorAll('table')].filter((t) => t.scrollWidth > (t.parentElement?.clientWidth ?? Infinity)).length,
            clippedTables: [...document.querySelectorAll('table')].filter((t) => t.scrollWidth > (t.parentElement?.clientWidth ?? Infinity) && !scrollsItself(t)).length,
            emptyCharts: svgs.filter((svg) => svg.querySelectorAll('g.role-mark path[d]:not([d=""]), g.role-mark line').length === 0).length,
            sensitivity: document.querySelectorAll('figure[data-chart="sensitivity"] svg.marks').length,
            text: document.body.innerText,
          };
        });
      };
      const wide = await look('submission-wide.html');
      expect(wide.wideTables, 'even 14 long-named hyperparameters wrap inside their one cell').toBe(0);
      expect(wide.clippedTables).toBe(0);
      expect(wide.overflowPx).toBeLessThanOrEqual(0);
      // 14 hyperparameters varied over 3 trials on w: 14 charts, all drawn.
      expect(wide.sensitivity).toBe(14);
      expect(wide.emptyCharts).toBe(0);
      for (const file of ['index.html', 'workload-w.html', 'submission-adamw.html']) {
        const v = await look(file);
        expect(v.overflowPx, file).toBeLessThanOrEqual(0);
        expect(v.clippedTables, file).toBe(0);
        expect(v.emptyCharts, file).toBe(0);
      }
      const index = await look('index.html');
      expect(index.text).toContain('What the results cost');
      expect(index.text).toContain('faster than adamw');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it.skipIf(!HAS_CHROMIUM)('shows every column of a 5-hyperparameter trials table at 1400 px, without scrolling', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'algobench-trials-'));
    const s = standardStore();
    try {
      // The researcher's scenario of issue #15: AdamW's five hyperparameters, on a long workload name, noisy
      // flags and missed trials (the widest status), as in /work/shots/submission-adamw-1400.png.
      for (const trial of [0, 1, 2]) {
        const hparams = { beta1: 0.9, beta2: 0.999, lr: 6.12e-4 * (trial + 1), warmup_frac: 0.0213 * (trial + 1), weight_decay: 1.24e-5 * (trial + 1) };
        addTrial(s.store, { hardwareId: s.hardwareId, runId: s.runId, workload: 'mnist_autoencoder', submission: 'five', study: 0, trial, time: trial === 2 ? 16.4 : null, budget: 22, hparams, noisy: true });
      }
      writeSite(await renderSite(readSite(s.store, { bootstrap: { resamples: 20 } })), dir);
    } finally {
      s.cleanup();
    }
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(pathToFileURL(join(dir, 'submission-five.html')).href, { waitUntil: 'load' });
      const seen = await page.evaluate(() => {
        const table = document.querySelector('table.trials')!;
        const box = table.parentElement!.getBoundingClientRect();
        const cells = [...table.querySelectorAll('th, td')];
        // A cell outside the box's visible part can only be seen by scrolling the box.
        const hidden = cells.filter((c) => {
          const r = c.getBoundingClientRect();
          return r.right > box.right + 0.5 || r.left < box.left - 0.5;
        });
        return { cells: cells.length, hidden: hidden.map((c) => c.textContent ?? ''), text: (table as HTMLElement).innerText };
      });
      expect(seen.cells).toBeGreaterThan(0);
      expect(seen.hidden).toEqual([]);
      // Every hyperparameter is on the page, by name and value.
      for (const hp of ['beta1 0.9', 'beta2 0.999', 'lr 6.12e-4', 'warmup_frac 0.0213', 'weight_decay 1.24e-5']) expect(seen.text).toContain(hp);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  /** Texts of the cells of `selector` that lie outside the visible part of the table's box: seen only by scrolling it. */
  const CELLS_OUTSIDE = (selector: string) => `(() => {
    const table = document.querySelector(${JSON.stringify(selector)});
    const box = table.parentElement.getBoundingClientRect();
    const cells = [...table.querySelectorAll('th, td')];
    return {
      cells: cells.length,
      hidden: cells.filter((c) => { const r = c.getBoundingClientRect(); return r.right > box.right + 0.5 || r.left < box.left - 0.5; }).map((c) => c.textContent),
      overflowPx: document.documentElement.scrollWidth - window.innerWidth,
      text: table.innerText,
    };
  })()`;

  it.skipIf(!HAS_CHROMIUM)('fits the trials table and the compare table in a 1000 px window, every column in view', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'algobench-1000-'));
    const s = standardStore();
    try {
      // The researcher's run of issue #15 as it is stored: the longest workload name, ten-digit seeds,
      // budget_exhausted (the widest status), noisy flags, four hyperparameters of adam_clip_avg.
      for (const trial of [0, 1, 2]) {
        const hparams = { avg_decay: 0.995, clip_norm: 1, lr: 0.00226 * (trial + 1), warmup_frac: 0.05 };
        addTrial(s.store, { hardwareId: s.hardwareId, runId: s.runId, workload: 'mnist_autoencoder', submission: 'adam_clip_avg', study: 0, trial, seed: 1_295_161_056 + trial, time: trial === 2 ? 16.4 : null, budget: 22, hparams, noisy: true });
      }
      writeSite(await renderSite(readSite(s.store, { bootstrap: { resamples: 20 } })), dir);
    } finally {
      s.cleanup();
    }
    // A compare page with the longest names and every kind of row (decided, undecided, misses on either side).
    const pairs = {
      mnist_mlp: Array.from({ length: 12 }, (_, i) => ({ a: i === 3 ? Infinity : 10 + (i % 3), b: 8 + (i % 2) })),
      mnist_autoencoder: [{ a: 10, b: Infinity }, { a: 11, b: Infinity }, { a: Infinity, b: 14 }],
    };
    const comparison = summarizeComparison({ a: 'adamw', b: 'adam_clip_avg', alpha: 0.01, minEffect: 0.05 }, Object.entries(pairs).map(([workload, p]) => ({ workload, pairs: p })));
    writeFileSync(join(dir, 'compare.html'), renderComparePage({
      comparison, pairs, stoppedBy: { mnist_mlp: 'decided', mnist_autoencoder: 'max_pairs' }, settings: 'Ruleset: external tuning.', method: 'synthetic pairs', dbPath: 'none', generatedAt: 'now',
    }));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
      await page.goto(pathToFileURL(join(dir, 'submission-adam_clip_avg.html')).href, { waitUntil: 'load' });
      const trials = (await page.evaluate(CELLS_OUTSIDE('table.trials'))) as { cells: number; hidden: string[]; overflowPx: number; text: string };
      expect(trials.cells).toBeGreaterThan(0);
      expect(trials.hidden).toEqual([]);
      expect(trials.overflowPx).toBeLessThanOrEqual(0);
      for (const hp of ['avg_decay 0.995', 'clip_norm 1', 'lr 0.00678', 'warmup_frac 0.05', '1295161058']) expect(trials.text).toContain(hp);
      await page.goto(pathToFileURL(join(dir, 'compare.html')).href, { waitUntil: 'load' });
      const compare = (await page.evaluate(CELLS_OUTSIDE('table.summary'))) as { cells: number; hidden: string[]; overflowPx: number; text: string };
      expect(compare.cells).toBeGreaterThan(0);
      expect(compare.hidden).toEqual([]);
      expect(compare.overflowPx).toBeLessThanOrEqual(0);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
