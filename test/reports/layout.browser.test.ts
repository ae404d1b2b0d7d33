/**
 * The report's layout in a real browser, on a hand-made store (no trials run, so it
 * is quick): at 1400 px nothing makes the page wider than the window — wide tables
 * (many hyperparameters) scroll inside their own box — every chart has drawn marks,
 * the sensitivity charts are there, and the verdicts and the cost table are visible
 * text. Needs Debian's chromium at /usr/bin/chromium; skipped with a reason without it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { readSite } from '../../harness/report/site.ts';
import { renderSite, writeSite } from '../../reports/render.ts';
import { addTrial, standardStore } from '../leaderboard/store_fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`layout.browser.test: skipped, ${CHROMIUM} is missing (install Debian's chromium package)`);

const out = mkdtempSync(join(tmpdir(), 'algobench-layout-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('report layout in a browser', () => {
  it.skipIf(!HAS_CHROMIUM)('fits a 1400 px window: wide tables scroll in their own box, every chart drawn', async () => {
    const s = standardStore();
    try {
      // A submission with many long-named hyperparameters: its trials table is far wider than the window.
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
      expect(wide.wideTables, 'the trials table of 14 hyperparameters is wider than its box').toBeGreaterThanOrEqual(1);
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
});
