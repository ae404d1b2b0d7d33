import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readSite } from '../../harness/report/site.ts';
import { renderSite, writeSite } from '../../reports/render.ts';
import { addTable, addTrial, hardware, standardStore } from '../leaderboard/store_fixture.ts';

let cleanup: (() => void) | undefined;

/** The page as a reader sees its text: handlebars' entity escapes undone. */
const decoded = (html: string) =>
  html.replace(/&#x3D;/g, '=').replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
afterEach(() => cleanup?.());

describe('the report site', () => {
  it('has an index, a page per workload and per submission, a stylesheet and the exports, all offline', async () => {
    const s = standardStore();
    cleanup = s.cleanup;
    addTrial(s.store, { hardwareId: s.hardwareId, runId: s.runId, submission: 'sgd', workload: 'w', variant: 'v', study: 2, time: null, budget: 200, error: 'lossAndGrads threw <NaN>' }); // w:v's budget (STANDARD_BUDGETS)
    const site = readSite(s.store, { bootstrap: { resamples: 50 } }, (w) =>
      w === 'w' ? { description: 'a hand-made workload', variants: { base: 'plain', v: 'changed' } } : undefined,
    );
    expect(site.curves[site.boards[0]!.id]?.points).toHaveLength(2 * 43); // 43 trials, two evals each
    const files = await renderSite(site);
    expect(Object.keys(files).sort()).toEqual([
      'evals.csv', 'evals.json', 'index.html', 'style.css',
      'submission-adamw.html', 'submission-fast.html', 'submission-novar.html', 'submission-sgd.html',
      'trials.csv', 'trials.json', 'workload-w.html',
    ]);
    for (const [name, text] of Object.entries(files)) {
      if (!name.endsWith('.html') && !name.endsWith('.css')) continue;
      expect(text, name).not.toMatch(/https?:\/\//);
      expect(text, name).not.toMatch(/<script/i);
    }
    const index = decoded(files['index.html']!);
    expect(index.match(/data-chart="profile"/g)).toHaveLength(1);
    expect(index).not.toContain('Variant rule (AlgoPerf v0.5');
    expect(index).toContain('budget + 1 s');
    expect(index).toContain('faster, p = 0.016');
    expect(index).not.toContain('Mixed hardware');
    const workload = files['workload-w.html']!;
    expect(workload).toContain('a hand-made workload');
    expect(workload).toContain('changed');
    expect(workload.match(/data-chart="curve"/g)).toHaveLength(2);
    expect(workload).toContain('data-chart="times"');
    expect(workload).toContain('Variant robustness');
    expect(files['submission-adamw.html']).toContain('<span class="hp"><span class="hpname">lr</span> 0.001</span>');
    expect(files['submission-sgd.html']).toContain('<pre class="error">lossAndGrads threw &lt;NaN&gt;</pre>');
  });

  it('states the variant rule and shows voided times when it is on', async () => {
    const s = standardStore();
    cleanup = s.cleanup;
    const files = await renderSite(readSite(s.store, { requireVariants: true, bootstrap: { resamples: 20 } }));
    expect(files['index.html']).toContain('Variant rule (AlgoPerf v0.5');
    expect(files['index.html']).toContain('measured 6.5 s; voided: w:v not reached');
    expect(files['workload-w.html']).toContain('variant rule on');
    expect(files['index.html']).not.toContain('class="badge faster"');
  });

  it('marks every page when boards mix hardware', async () => {
    const s = standardStore();
    cleanup = s.cleanup;
    const hw2 = s.store.hardwareId(hardware('hw-two'));
    addTable(s.store, hw2, s.store.startRun(hw2, 'test', '0'), { other: { w: [[3]] } });
    const files = await renderSite(readSite(s.store, { allowMixedHardware: true, bootstrap: { resamples: 20 } }));
    for (const [name, text] of Object.entries(files)) {
      if (name.endsWith('.html')) expect(text, name).toContain('Mixed hardware');
    }
    expect(files['index.html']).toContain('hw-one, hw-two');
  });

  it('writes through a temporary folder and drops pages of a previous report', () => {
    const s = standardStore();
    cleanup = s.cleanup;
    const out = join(s.dir, 'site');
    mkdirSync(out);
    writeFileSync(join(out, 'workload-gone.html'), 'old');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const index = writeSite({ 'index.html': '<p>hi</p>', 'workload-w.html': '<p>w</p>' }, out);
    expect(index).toBe(join(out, 'index.html'));
    expect(readdirSync(out).sort()).toEqual(['index.html', 'notes.txt', 'workload-w.html']);
    expect(readFileSync(join(out, 'workload-w.html'), 'utf8')).toBe('<p>w</p>');
    expect(existsSync(join(out, 'workload-gone.html'))).toBe(false);
  });
});
