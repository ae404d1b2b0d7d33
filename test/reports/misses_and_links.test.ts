/**
 * Issue #15's last report gaps: a side that missed stays visible and labelled (the
 * workload page's time-to-target chart, the compare page's interval chart), a
 * sensitivity chart where every trial missed plots the best value reached, the
 * learning curves' y range keeps the target and the later evals in view, and the
 * report site links the compare pages beside it. Expected values are worked out by
 * hand from the standard board (test/leaderboard/store_fixture.ts) and the inputs.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeReport } from '../../harness/cli/write_report.ts';
import { createHash } from 'node:crypto';
import { sideFacts, sideFactsFromStore } from '../../harness/report/compare_sides.ts';
import { summarizeComparison } from '../../harness/report/comparison.ts';
import { readSite } from '../../harness/report/site.ts';
import { curveDomain } from '../../reports/charts.ts';
import { renderComparePage } from '../../reports/compare_page.ts';
import { renderSite } from '../../reports/render.ts';
import { addTrial, standardStore } from '../leaderboard/store_fixture.ts';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

const decoded = (html: string) =>
  html.replace(/&#x3D;/g, '=').replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

async function site(extra?: (s: ReturnType<typeof standardStore>) => void) {
  const s = standardStore();
  cleanup = s.cleanup;
  extra?.(s);
  return renderSite(readSite(s.store, { bootstrap: { resamples: 20 } }));
}

function comparePage(pairs: Record<string, Array<{ a: number; b: number }>>, siteIndex?: string) {
  const comparison = summarizeComparison({ a: 'adamw', b: 'my_adam', alpha: 0.01, minEffect: 0.05 }, Object.entries(pairs).map(([workload, p]) => ({ workload, pairs: p })));
  return renderComparePage({
    comparison,
    pairs,
    stoppedBy: Object.fromEntries(Object.keys(pairs).map((w) => [w, 'max_pairs'])),
    settings: 'Ruleset: self-tuning.',
    method: 'synthetic pairs',
    dbPath: 'none',
    generatedAt: 'now',
    ...(siteIndex === undefined ? {} : { siteIndex }),
  });
}

describe('a side that missed stays on the charts, labelled', () => {
  it("keeps a missed submission on the workload page's time-to-target chart, at the budget with its gap", async () => {
    const page = (await site())['workload-w.html']!;
    const chart = /<figure class="chart" data-chart="times">([\s\S]*?)<\/figure>/.exec(page)?.[1] ?? '';
    // sgd missed w (best accuracy 0.8 against the target 0.9: 0.1 short, 11.1 %); fast missed w:v the same way.
    const labels = [...decoded(chart).matchAll(/<text[^>]*>(missed: [^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toContain('missed: best accuracy 0.8, 0.1 (11.1 %) short of 0.9');
    // On w: adamw, fast, novar reached, sgd missed → 4 symbols; on w:v: adamw reached, fast and sgd missed → 3.
    expect(chart.match(/aria-roledescription="point"/g)).toHaveLength(7);
  });

  it("marks the side whose misses decide a compare workload, and says who missed how often", () => {
    // my_adam missed 2 of 3 pairs: the median ratio is 0, no dot; adamw missed nothing.
    const html = decoded(comparePage({ mnist_mlp: [{ a: 10, b: Infinity }, { a: 11, b: Infinity }, { a: 12, b: 14 }] }));
    const svg = /<svg role="img" aria-label="speedup intervals"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    expect(svg.match(/class="missed-side"/g)).toHaveLength(1);
    expect(svg).toContain('mnist_mlp: the median pair is a miss of my_adam');
    expect(svg).toContain('speedup unknown · my_adam missed 2 of 3 pairs');
    // ... drawn near the left edge (the plot starts at x = 150): adamw's side.
    const cx = Number(/class="missed-side"><circle cx="([\d.]+)"/.exec(svg)?.[1]);
    expect(cx).toBeLessThan(150 + 440 / 2);
    // A reached-on-both-sides workload has a dot and no miss mark.
    const clean = decoded(comparePage({ mnist_mlp: [{ a: 10, b: 8 }, { a: 11, b: 9 }] }));
    expect(clean).not.toContain('class="missed-side"');
    expect(clean).toMatch(/<circle cx="[\d.]+" cy="18" r="5"/);
  });
});

describe('sensitivity where every trial missed', () => {
  it('plots the best value reached against the target, and says so on the chart', async () => {
    const page = (await site((s) => {
      // Three trials that all missed w; their last evals (the fixture's) reach accuracy 0.8.
      for (const trial of [0, 1, 2]) addTrial(s.store, { hardwareId: s.hardwareId, runId: s.runId, submission: 'allmiss', study: 0, trial, time: null, hparams: { lr: 0.01 * (trial + 1) } });
    }))['submission-allmiss.html']!;
    const charts = [...page.matchAll(/<figure class="chart" data-chart="sensitivity">([\s\S]*?)<\/figure>/g)].map((m) => decoded(m[1]!));
    expect(charts).toHaveLength(1);
    expect(charts[0]).toContain('best validation accuracy (missed)');
    expect(charts[0]).toContain('every trial missed');
    expect(charts[0]).toContain('study 0 trial 2: budget_exhausted, best accuracy 0.8');
    expect(charts[0]!.match(/aria-roledescription="point"/g)).toHaveLength(3);
    expect(charts[0]).not.toContain('time-to-target (s)');
  });
});

describe('learning-curve y range', () => {
  it('keeps the target and the later evals in view, leaving out at most the worst 15 % (the first evals)', () => {
    // 20 accuracies: 3 early ones (0.1, 0.2, 0.3) and 17 from 0.90 to 0.96; target 0.97.
    // floor(20 × 0.15) = 3 may fall out: the range spans 0.90–0.97, 5 % margin = 0.0035.
    const late = Array.from({ length: 17 }, (_, i) => 0.9 + (0.06 * i) / 16);
    const r = curveDomain([0.1, 0.2, 0.3, ...late], 0.97, 'max')!;
    expect(r.domain[0]).toBeCloseTo(0.8965, 10);
    expect(r.domain[1]).toBeCloseTo(0.9735, 10);
    expect(r.clipped).toBe(3);
    // A loss (smaller is better): the early evals are the large ones. 0.5, 0.4, 0.3 out; 0.010–0.026 and the target 0.008 in.
    const losses = Array.from({ length: 17 }, (_, i) => 0.01 + 0.001 * i);
    const m = curveDomain([0.5, 0.4, 0.3, ...losses], 0.008, 'min')!;
    expect(m.domain[0]).toBeCloseTo(0.008 - 0.0009, 10);
    expect(m.domain[1]).toBeCloseTo(0.026 + 0.0009, 10);
    expect(m.clipped).toBe(3);
    // A target far from every eval stays in view.
    expect(curveDomain([0.5, 0.6], 0.99, 'max')!.domain[1]).toBeGreaterThan(0.99);
  });
});

describe('the report site links the compare pages beside it', () => {
  it('lists a compare page on the index and in every page header, and the compare page links back', async () => {
    const s = standardStore();
    const dir = mkdtempSync(join(tmpdir(), 'algobench-links-'));
    cleanup = () => {
      s.cleanup();
      rmSync(dir, { recursive: true, force: true });
    };
    s.store.close();
    writeFileSync(join(dir, 'compare.html'), comparePage({ mnist_mlp: [{ a: 10, b: 8 }] }, 'index.html'));
    mkdirSync(join(dir, 'older'));
    writeFileSync(join(dir, 'older', 'compare.html'), comparePage({ mnist_cnn: [{ a: 10, b: 12 }] }, '../index.html'));
    writeFileSync(join(dir, 'compare-notes.html'), '<title>my notes</title>'); // not a compare page
    await writeReport(s.path, dir);
    const { readFileSync } = await import('node:fs');
    const index = decoded(readFileSync(join(dir, 'index.html'), 'utf8'));
    expect(index).toContain('<a href="compare.html">my_adam vs adamw</a>');
    expect(index).toContain('<a href="older/compare.html">my_adam vs adamw</a>');
    expect(index).not.toContain('compare-notes.html');
    // The overall verdict, as the compare page words it (1 pair: no decision at α = 0.01).
    expect(index).toMatch(/my_adam vs adamw<\/a> — overall: no detectable difference over 1 workload at α = 0\.01/);
    expect(decoded(readFileSync(join(dir, 'workload-w.html'), 'utf8'))).toContain('<a href="compare.html">my_adam vs adamw</a>');
    expect(readFileSync(join(dir, 'compare.html'), 'utf8')).toContain('<a href="index.html">');
  });

  it('shows no comparisons where there are none', async () => {
    const html = (await site())['index.html']!;
    expect(html).not.toContain('Comparisons');
    expect(html).not.toContain('>Compare<');
  });
});

describe("the compare page's sides: version, time per step, cost, and how close a miss came", () => {
  it('states them per workload and side from the stored trials of the pairs', () => {
    const s = standardStore();
    cleanup = s.cleanup;
    const sides = sideFactsFromStore(s.store, { submissions: ['adamw', 'sgd'], pairs: { w: 2 }, trialsPerSide: 3, ruleset: 'external', budgetScale: 1, seed: 0 });
    // adamw on w: 6 trials, all reached; times 10,12,30,20,25,22 s over 20 steps → 500…1500 ms, median (1000 + 1100)/2.
    const adamw = sides.find((f) => f.submission === 'adamw')!;
    expect(adamw).toMatchObject({ workload: 'w', trials: 6, reached: 6, msPerStep: 1050, unmeasured: 6, cpuSec: 0 });
    // The published version rule: sha256("<module hash>:<search-space hash or empty>"), 7 hex digits.
    expect(adamw.versions).toEqual([createHash('sha256').update('adamw:v1:').digest('hex').slice(0, 7)]);
    expect(adamw.best).toBeUndefined();
    // sgd missed all 6; its best eval is the fixture's last one, accuracy 0.8, against the target 0.9.
    const sgd = sides.find((f) => f.submission === 'sgd')!;
    expect(sgd).toMatchObject({ reached: 0, best: { value: 0.8, target: 0.9, metric: 'accuracy', direction: 'max' } });
    // The best over the side's trials: the highest for accuracy, the lowest for a loss.
    const sel = { submissions: ['adamw', 'sgd'] as [string, string], pairs: { w: 2 }, trialsPerSide: 3, ruleset: 'external', budgetScale: 1, seed: 0 };
    const byParity = (id: number) => (id % 2 === 0 ? 0.85 : 0.7);
    expect(sideFacts(s.store.trials(), byParity, sel).find((f) => f.submission === 'sgd')?.best?.value).toBe(0.85);
    const asLoss = s.store.trials().map((t) => ({ ...t, metric_direction: 'min' as const }));
    expect(sideFacts(asLoss, byParity, sel).find((f) => f.submission === 'sgd')?.best?.value).toBe(0.7);
    const comparison = summarizeComparison({ a: 'adamw', b: 'sgd', alpha: 0.01, minEffect: 0.05 }, [{ workload: 'w', pairs: [{ a: 10, b: Infinity }, { a: 20, b: Infinity }] }]);
    const page = decoded(renderComparePage({ comparison, pairs: { w: [] }, stoppedBy: {}, settings: '', method: '', dbPath: '', generatedAt: '', sides, pricePerCoreHour: 2 }));
    expect(page).toContain('best accuracy 0.8, 0.1 (11.1 %) short of 0.9');
    // 1050 ms per step = 1000/1050 = 0.952 steps per second.
    expect(page).toContain('1050 ms/step · 0.95 steps/s');
    expect(page).toContain('What each side ran and cost');
    expect(page).toContain('money at 2 per core-hour');
  });
});
