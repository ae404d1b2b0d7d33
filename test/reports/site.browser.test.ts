/**
 * The report site of a real run, opened in headless Chromium: every page loads from
 * the file system without console errors or network requests, every chart has drawn
 * marks, and every local link resolves. Saves a screenshot of the index page.
 *
 * Needs Debian's chromium at /usr/bin/chromium (Playwright's own browser download does
 * not run on these machines); without it the test is skipped and says why.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`site.browser.test: skipped, ${CHROMIUM} is missing (install Debian's chromium package)`);

/** Runs the CLI and returns its stdout; fails the test with its stderr on a non-zero exit. */
function algobench(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/algobench.js'), ...args], { cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`algobench ${args.join(' ')} exited ${code}:\n${err.slice(-2000)}`))));
  });
}

interface PageCheck {
  readonly file: string;
  readonly problems: string[];
  readonly charts: number;
  readonly emptyCharts: number;
  readonly sensitivityCharts: number;
  /** Pixels the page is wider than the window (a table that does not scroll in its own box). */
  readonly overflowPx: number;
  /** Tables wider than their box that are not inside a scrolling box. */
  readonly clippedTables: number;
  readonly links: string[];
}

describe('report site in a browser', () => {
  it.skipIf(!HAS_CHROMIUM)(
    `renders every page of a real run's report with all charts (needs ${CHROMIUM})`,
    async () => {
      const tmp = mkdtempSync(join(tmpdir(), 'algobench-site-'));
      const db = join(tmp, 'a.sqlite');
      // 3 submissions × 2 workloads (+ a variant) × 2 studies on tiny budgets: targets are likely missed.
      await algobench(['run', '-w', 'mnist_mlp,mnist_mlp:tanh,mnist_autoencoder', '-s', 'adamw,sgd_momentum,nesterov', '--studies', '2', '--budget-scale', '0.05', '--backend', 'wasm', '--db', db]);
      // A second, longer smoke run, so that some trial is likely to reach its target.
      await algobench(['run', '-w', 'mnist_mlp', '-s', 'sgd_momentum,nesterov', '--studies', '1', '--budget-scale', '0.5', '--backend', 'wasm', '--db', db]);
      const site = join(tmp, 'site');
      const printed = (await algobench(['report', '--db', db, '--out', site])).trim();
      expect(printed).toBe(join(site, 'index.html'));

      const pages = readdirSync(site).filter((f) => f.endsWith('.html')).sort();
      expect(pages).toEqual(
        expect.arrayContaining(['index.html', 'workload-mnist_mlp.html', 'workload-mnist_autoencoder.html', 'submission-adamw.html', 'submission-nesterov.html', 'submission-sgd_momentum.html']),
      );
      for (const f of ['trials.csv', 'evals.csv', 'trials.json', 'evals.json', 'style.css']) expect(existsSync(join(site, f)), f).toBe(true);

      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      const checks: PageCheck[] = [];
      try {
        // 1400 px: where the submission page's hyperparameter table used to be cut off.
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        let current: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') current.push(`console error: ${m.text()}`);
        });
        page.on('pageerror', (e) => current.push(`page error: ${e.message}`));
        page.on('request', (r) => {
          if (!r.url().startsWith('file:')) current.push(`network request: ${r.url()}`);
        });
        page.on('requestfailed', (r) => current.push(`failed to load: ${r.url()}`));
        for (const file of pages) {
          current = [];
          await page.goto(pathToFileURL(join(site, file)).href, { waitUntil: 'load' });
          const found = await page.evaluate(() => {
            const svgs = [...document.querySelectorAll('figure.chart svg.marks')];
            const drawn = (c: SVGGraphicsElement) => {
              const box = c.getBBox();
              return box.width + box.height > 0;
            };
            const marksOf = (svg: Element) =>
              [...svg.querySelectorAll('g.role-mark')].reduce(
                (n, g) => n + [...g.children].filter((c) => c.tagName === 'line' || ((c.getAttribute('d') ?? '') !== '' && drawn(c as SVGGraphicsElement))).length,
                0,
              );
            const scrollsItself = (t: Element) => {
              for (let e = t.parentElement; e !== null; e = e.parentElement) if (getComputedStyle(e).overflowX === 'auto') return true;
              return false;
            };
            return {
              charts: svgs.length,
              emptyCharts: svgs.filter((s) => marksOf(s) === 0).length,
              sensitivityCharts: document.querySelectorAll('figure[data-chart="sensitivity"] svg.marks').length,
              overflowPx: document.documentElement.scrollWidth - window.innerWidth,
              clippedTables: [...document.querySelectorAll('table')].filter((t) => t.scrollWidth > (t.parentElement?.clientWidth ?? Infinity) && !scrollsItself(t)).length,
              links: [...document.querySelectorAll('a[href], link[href]')].map((a) => a.getAttribute('href') ?? ''),
            };
          });
          checks.push({ file, problems: current, ...found });
        }
        await page.goto(pathToFileURL(join(site, 'index.html')).href);
        await page.screenshot({ path: join(tmp, 'index.png'), fullPage: true });
      } finally {
        await browser.close();
      }

      for (const c of checks) {
        expect(c.problems, c.file).toEqual([]);
        expect(c.emptyCharts, `${c.file}: charts without marks`).toBe(0);
        expect(c.overflowPx, `${c.file}: the page is wider than a 1400 px window`).toBeLessThanOrEqual(0);
        expect(c.clippedTables, `${c.file}: tables wider than their box outside a scrolling box`).toBe(0);
        for (const href of c.links) {
          expect(href, `${c.file}: external link`).not.toMatch(/^[a-z]+:/i);
          const [path = '', hash] = href.split('#');
          const target = path === '' ? c.file : path;
          expect(existsSync(join(site, target)), `${c.file}: link ${href}`).toBe(true);
          if (hash) expect(readFileSync(join(site, target), 'utf8'), `${c.file}: anchor ${href}`).toContain(`id="${hash}"`);
        }
      }
      const byFile = Object.fromEntries(checks.map((c) => [c.file, c]));
      // One performance profile per leaderboard (two budget scales → two boards).
      expect(byFile['index.html']?.charts).toBe(2);
      // Learning curves of mnist_mlp and mnist_mlp:tanh on the first board, mnist_mlp on the second.
      expect(byFile['workload-mnist_mlp.html']?.charts).toBeGreaterThanOrEqual(3);
      // Two studies drew two learning rates per submission: a sensitivity chart per workload column at least.
      for (const s of ['adamw', 'sgd_momentum', 'nesterov']) expect(byFile[`submission-${s}.html`]?.sensitivityCharts, s).toBeGreaterThanOrEqual(1);
      const index = readFileSync(join(site, 'index.html'), 'utf8');
      expect(index).toContain('What the results cost');
      expect(index).toMatch(/no significant difference from adamw|faster than adamw|slower than adamw/);
      for (const s of ['adamw', 'sgd_momentum', 'nesterov']) expect(index).toContain(`submission-${s}.html`);

      expect(existsSync(join(tmp, 'index.png'))).toBe(true);
      const results = join(ROOT, 'results');
      if (existsSync(results)) copyFileSync(join(tmp, 'index.png'), join(results, 'report-screenshot.png'));
      console.log(`site.browser.test: site ${site}, screenshot ${join(tmp, 'index.png')}`);
    },
    240_000,
  );
});
