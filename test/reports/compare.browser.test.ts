/**
 * The compare page in a real browser: compare.html, rendered from a comparison of
 * synthetic pairs (the CLI test covers writing it after real trials), opens from the
 * file system without console errors or network requests, shows the verdicts in words
 * and draws its interval chart.
 *
 * Needs Debian's chromium at /usr/bin/chromium; without it the test is skipped and says why.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { summarizeComparison } from '../../harness/report/comparison.ts';
import type { PairTimes } from '../../harness/scoring/sequential.ts';
import { renderComparePage } from '../../reports/compare_page.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`compare.browser.test: skipped, ${CHROMIUM} is missing (install Debian's chromium package)`);

// mnist_mlp: B faster in every pair (one where A missed): decided at the 11th of 14; char_lm: B faster, then slower, in turn.
const decisive: PairTimes[] = Array.from({ length: 14 }, (_, i) => ({ a: i === 3 ? Infinity : 10 + (i % 3), b: 8 + (i % 2) }));
const even: PairTimes[] = Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? { a: 10, b: 9.5 } : { a: 9.6, b: 10.1 }));

describe('compare page in a browser', () => {
  it.skipIf(!HAS_CHROMIUM)(`opens without errors and states each verdict (needs ${CHROMIUM})`, async () => {
    const comparison = summarizeComparison({ a: 'adamw', b: 'my_adam', alpha: 0.01, minEffect: 0.05 }, [
      { workload: 'mnist_mlp', pairs: decisive },
      { workload: 'char_lm', pairs: even },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'algobench-compare-page-'));
    const file = join(dir, 'compare.html');
    writeFileSync(file, renderComparePage({
      comparison,
      pairs: { mnist_mlp: decisive, char_lm: even },
      stoppedBy: { mnist_mlp: 'decided', char_lm: 'max_pairs' },
      settings: 'Ruleset: self-tuning.',
      method: 'synthetic pairs',
      dbPath: 'none',
      generatedAt: 'now',
    }));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`);
      });
      await page.goto(pathToFileURL(file).href);
      const verdicts = await page.locator('p.verdict').allInnerTexts();
      expect(problems).toEqual([]);
      expect(verdicts).toHaveLength(3);
      expect(verdicts[1]).toMatch(/^my_adam is faster than adamw on mnist_mlp: \d+\.\d\d× \(.*\), p = 0\.\d+, 11 paired trials \(sequential sign test at α = 0\.01\)$/);
      expect(verdicts[2]).toMatch(/^no detectable difference on char_lm at this budget/);
      expect(await page.locator('svg[aria-label="speedup intervals"] circle').count()).toBe(3);
      expect(await page.locator('table').count()).toBe(3);
      await page.screenshot({ path: join(dir, 'compare.png'), fullPage: true });
      console.log(`compare.browser.test: page ${file}, screenshot ${join(dir, 'compare.png')}`);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
