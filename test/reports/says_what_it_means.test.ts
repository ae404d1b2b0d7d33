/**
 * The report says what its numbers mean: verdicts in words at the stated level, how
 * close a miss came, the cost per step, the version, and counts that belong to the
 * page they are on. Expected texts are worked out by hand from the standard board
 * (test/leaderboard/store_fixture.ts), not by calling the views.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { readSite } from '../../harness/report/site.ts';
import { profileSpec, renderChart } from '../../reports/charts.ts';
import { renderSite } from '../../reports/render.ts';
import { addTable, addTrial, standardStore } from '../leaderboard/store_fixture.ts';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

const decoded = (html: string) =>
  html.replace(/&#x3D;/g, '=').replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
/** The page's visible text, tags dropped and whitespace collapsed. */
const text = (html: string) => decoded(html.replace(/<svg[\s\S]*?<\/svg>/g, ' ').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');

async function site(extra?: (s: ReturnType<typeof standardStore>) => void) {
  const s = standardStore();
  cleanup = s.cleanup;
  extra?.(s);
  return renderSite(readSite(s.store, { bootstrap: { resamples: 20 } }));
}

describe('the report says what it means', () => {
  it('puts every pooled comparison in words, with the test, the level, the pairs and the ties', async () => {
    const index = text((await site())['index.html']!);
    // fast beats adamw in all 6 (study, trial) pairs of w: one-sided binomial tail 1/2^6 = 0.015625.
    expect(index).toContain('faster than adamw pooled over the 1 scored workload (one-sided paired sign test, p = 0.016 < 0.05; 6 of 6 pairs faster, 0 slower, 0 tied)');
    // sgd missed all 6 while adamw reached all 6: slower, by the same tail.
    expect(index).toContain('slower than adamw pooled over the 1 scored workload (one-sided paired sign test, p = 0.016 < 0.05; 0 of 6 pairs faster, 6 slower, 0 tied)');
    expect(index).toContain('Below the significance level the page says “no significant difference”');
  });

  it('says "no significant difference" when the pairs split, and counts ties half to each side', async () => {
    // A submission "even" on w, against adamw's [[10,12,30],[20,25,22]]: 9<10 win, 12=12 tie, a miss vs 30
    // loss, 19<20 win, 26>25 loss, 23>22 loss → 2 wins, 3 losses, 1 tie. Mid-p with the tie as half a
    // win: faster (P(X≥2) + P(X≥3))/2 = (57 + 42)/128 = 0.773; slower (P(X≥3) + P(X≥4))/2 = (42 + 22)/128 = 0.5.
    const index = text(
      (
        await site((s) => {
          addTable(s.store, s.hardwareId, s.runId, { even: { w: [[9, 12, null], [19, 26, 23]] } }, { w: 100 });
        })
      )['index.html']!,
    );
    expect(index).toContain('no significant difference from adamw pooled over the 1 scored workload at 0.05 (paired sign test, faster p = 0.773, slower p = 0.500; 2 of 6 pairs faster, 3 slower, 1 tied)');
    expect(index).toContain('no sig. difference, p = 0.500');
  });

  it('shows how close a miss came: the best value and the gap to the target', async () => {
    const index = text((await site())['index.html']!);
    // sgd missed w: its trials' best accuracy is 0.8 against the target 0.9 → 0.1 short, 11.1 %.
    expect(index).toContain('best accuracy 0.8, 0.1 (11.1 %) short of 0.9');
  });

  it('shows time per step on the workload page and the submission page, and the version', async () => {
    const files = await site();
    // fast on w: times 5,6,9,8,9,10 s over 20 steps each → 250,300,450,400,450,500 ms; median 425.
    expect(text(files['workload-w.html']!)).toContain('425 ms/step');
    const sub = text(files['submission-fast.html']!);
    expect(sub).toContain('w 425 ms/step');
    expect(sub).toMatch(/Version .*\b[0-9a-f]{7}\b/);
  });

  it("counts a workload page's studies and trials from that workload alone", async () => {
    const files = await site((s) => {
      // A second workload x with 1 study of 2 trials for adamw.
      addTable(s.store, s.hardwareId, s.runId, { adamw: { x: [[4, 5]] } }, { x: 100 });
    });
    expect(text(files['workload-x.html']!)).toContain('1 study · 2 scored trials');
    // w and w:v: 2 studies each; 4 submissions' cells: adamw 12, fast 12, novar 6, sgd 12 trials = 42.
    expect(text(files['workload-w.html']!)).toContain('2 studies per workload · 42 scored trials');
    // The index holds both: 1–2 studies, 44 trials.
    expect(text(files['index.html']!)).toContain('1–2 studies per workload · 44 scored trials');
  });

  it('keeps two equal performance profiles visible as two lines', async () => {
    const equal = [[1, 0.5], [2, 1]] as Array<[number, number]>;
    const svg = await renderChart(profileSpec({ a: equal, b: equal }, 4, { domain: ['a', 'b'] }, 2), 't');
    const lines = [...svg.matchAll(/aria-roledescription="line mark" d="([^"]+)"/g)].map((m) => m[1]!);
    expect(lines).toHaveLength(2);
    // ρ = 0.5 on a 260 px tall axis sits at y = 130; the two lines are drawn 3 px apart around it.
    const firstY = lines.map((d) => Number(/^M0,([\d.]+)/.exec(d)?.[1]));
    expect(firstY.sort((x, y) => x - y)).toEqual([128.5, 131.5]);
  });

  it('charts time-to-target against each hyperparameter the tuner varied, misses at the budget', async () => {
    const files = await site();
    // adamw on the standard board: lr = 0.001 × (1 + study) varies over 2 studies, on w and on w:v.
    const page = files['submission-adamw.html']!;
    const charts = [...page.matchAll(/<figure class="chart" data-chart="sensitivity">([\s\S]*?)<\/figure>/g)].map((m) => m[1]!);
    expect(charts).toHaveLength(2);
    // One symbol per scored trial: 6 on w (all reached), 6 on w:v (2 reached, 4 missed).
    for (const svg of charts) expect(svg.match(/aria-roledescription="point"/g)).toHaveLength(6);
    expect(charts[1]).toContain('study 0 trial 1: budget_exhausted');
    expect(text(page)).toContain('Hyperparameter sensitivity');
  });

  it('draws no sensitivity chart for a hyperparameter that never varied', async () => {
    const files = await site((s) => {
      for (const trial of [0, 1, 2]) addTrial(s.store, { hardwareId: s.hardwareId, runId: s.runId, submission: 'fixedb1', study: 0, trial, time: 10 + trial, hparams: { lr: 0.01 * (1 + trial), beta1: 0.9 } });
    });
    const page = files['submission-fixedb1.html']!;
    expect(page.match(/data-chart="sensitivity"/g)).toHaveLength(1);
    expect(page).toContain('w · lr');
    expect(page).not.toContain('w · beta1');
  });
});

describe('the report names one version and bounds speedups over misses (issue #15 screenshots)', () => {
  it('shows the same version for a submission on the leaderboard, its summary and every trial row', async () => {
    const files = await site();
    // The published rule: the first 7 hex digits of sha256("<module hash>:<search-space hash or empty>");
    // the fixture records fast's module hash as "fast:v1" and no search space.
    const version = createHash('sha256').update('fast:v1:').digest('hex').slice(0, 7);
    expect(text(files['index.html']!)).toContain(`fast version ${version}`);
    const page = files['submission-fast.html']!;
    // 12 scored trials of fast (w and w:v, 2 studies × 3): each row's Version cell holds the same value,
    // with the parts (module hash, code key) in its tooltip, never the raw module hash as the value.
    const cells = [...page.matchAll(/<td(?: class="nb")? title="module ([^"]*)">([^<]*)<\/td>/g)];
    expect(cells).toHaveLength(12);
    for (const [, parts, value] of cells) {
      expect(value).toBe(version);
      expect(decoded(parts!)).toContain('fast:v1 + no search space; trial code key v1');
    }
    expect(text(page)).toMatch(new RegExp(`Version .* ${version}\\b`));
    expect(text(page)).toContain("Version is a hash of the submission's module code and its search space");
  });

  it('marks a speedup that counts a missed target as an upper bound, and one the reference missed as a lower bound', async () => {
    // sgd missed w, adamw reached it in 15 s: budget + 1 = 101 s stands for sgd, so 15/101 = 0.1485 is at most the truth.
    const alone = text((await site())['index.html']!);
    expect(alone).toContain('≤ 0.15× upper bound: reached no target');
    expect(alone).toContain('2.31×'); // fast: 15/6.5, both reached: exact
    expect(alone).not.toContain('≤ 2.31×');
    expect(alone).toContain('a speedup over workloads the submission missed is an upper bound');
    // A second workload x that adamw misses and fast reaches (best of study 0: 4 s):
    // fast's speedup is sqrt(15/6.5 × 101/4) = 7.633…, a lower bound; sgd missed both and adamw missed x: no bound.
    const both = text(
      (
        await site((s) => {
          addTable(s.store, s.hardwareId, s.runId, { adamw: { x: [[null, null]] }, fast: { x: [[4, 5]] } }, { x: 100 });
        })
      )['index.html']!,
    );
    expect(both).toContain('≥ 7.63× lower bound: adamw missed x');
    // sgd's figure, sqrt(15/101 × 101/101) = 0.385…, bounds nothing: it is named in the note, never shown as the speedup.
    expect(both).toContain('no bound');
    expect(both).toContain('sgd reached no target and adamw missed x: with each miss counted as its budget + 1 s the figure (0.39×) bounds nothing');
  });
});
