/**
 * `algobench validate`, run-time checks: the search space against the hyperparameters
 * the submission reads, and the name-blind check. Each hostile fixture is caught by
 * exactly one finding; honest submissions pass. One validation per fixture, shared.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import { loadSubmission } from '../../harness/submissions/load.ts';
import { disguisesFor, nameBlindCheck, probeDifference, UPDATE_TOLERANCE } from '../../harness/validate/name_blind.ts';
import { probe, type ProbeResult } from '../../harness/validate/probe.ts';
import { checkSource } from '../../harness/validate/rules.ts';
import { validateSubmission, type ValidationReport } from '../../harness/validate/validate.ts';
import { getWorkload } from '../../workloads/registry.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/validate/${name}/submission.ts`, import.meta.url));
const IDENTITY_RULE = /must not pick behaviour by workload identity/;
const FIXTURES = ['misspelt_hparam', 'unread_hparam', 'lr_table_by_name', 'step_hint_branch', 'batch_size_by_name', 'self_tuning', 'adamw'] as const;
const reports = new Map<string, ValidationReport>();

beforeAll(async () => {
  for (const name of FIXTURES) {
    reports.set(name, await validateSubmission(name === 'adamw' ? 'adamw' : fixture(name), { backend: 'wasm', steps: 4 }));
  }
});

const only = (name: string) => {
  const findings = reports.get(name)!.findings;
  expect(findings, JSON.stringify(findings, null, 1)).toHaveLength(1);
  return findings[0]!;
};

describe('validate: search space ↔ hyperparameters read', () => {
  it('catches a misspelt key read with a fallback default, at the line that reads it', () => {
    const f = only('misspelt_hparam');
    expect(f.file).toBe(fixture('misspelt_hparam'));
    expect(f.line).toBe(readFileSync(f.file, 'utf8').split('\n').findIndex((l) => l.includes("'learning_rate'")) + 1);
    expect(f.problem).toContain('reads hyperparameter "learning_rate", which search_space.json does not define (it has: lr), and never reads "lr"');
    expect(f.fix).toMatch(/num\(h, 'lr'\)/);
  });

  it('catches a search-space key that is never read, naming the key and the file', () => {
    const f = only('unread_hparam');
    expect(f.file).toMatch(/unread_hparam\/search_space\.json$/);
    expect(f.line).toBe(3);
    expect(f.problem).toMatch(/^search-space key "momentum" is never read by submission\.ts/);
  });

  it('lets a self-tuning submission read missing keys (defaults), and passes it', () => {
    const report = reports.get('self_tuning')!;
    expect(report.findings).toEqual([]);
    expect(report.passed).toContain('hyperparameters: self-tuning, reads lr, warmup_frac, weight_decay (defaults)');
  });

  it('passes a shipped baseline that reads exactly its space', () => {
    const report = reports.get('adamw')!;
    expect(report.findings).toEqual([]);
    expect(report.passed).toContain('hyperparameters: reads every search-space key (lr, beta1, beta2, weight_decay, warmup_frac) and no other');
    expect(report.passed.some((p) => p.startsWith('name-blind: same batch size'))).toBe(true);
    expect(report.passed.some((p) => p.startsWith('dry run:'))).toBe(true);
  });
});

describe('validate: name-blind', () => {
  it('the identity fixtures slip past the static rules (so the run-time check is what catches them)', () => {
    for (const name of ['lr_table_by_name', 'step_hint_branch', 'batch_size_by_name']) {
      expect(checkSource(fixture(name), readFileSync(fixture(name), 'utf8')), name).toEqual([]);
    }
  });

  it('catches a learning-rate table keyed by workload name', () => {
    const f = only('lr_table_by_name');
    expect(f.problem).toMatch(/^parameter updates after \d+ steps on mnist_mlp differ by [\d.]+ % \(tolerance 5 %\) when the workload's name is hidden/);
    expect(f.problem).toMatch(IDENTITY_RULE);
  });

  it('catches a branch on the exact step hint of mnist_mlp', () => {
    expect(getWorkload('mnist_mlp').budget.stepHint, 'the fixture keys on 2500, mnist_mlp\'s step hint in workloads/targets.json').toBe(2500);
    const f = only('step_hint_branch');
    expect(f.problem).toMatch(/differ by [\d.]+ % \(tolerance 5 %\) when budget\.stepHint is 2501 instead of 2500/);
    expect(f.problem).toMatch(IDENTITY_RULE);
  });

  it('catches a batch size keyed by workload name', () => {
    const f = only('batch_size_by_name');
    expect(f.problem).toBe("batch size 256 on mnist_mlp but 128 when the workload's name is hidden: a submission must not pick behaviour by workload identity");
  });

  it('disguises the name, the metric name and every budget number; the step hint by one step', () => {
    const w = getWorkload('mnist_mlp');
    const info = { name: w.name, metric: w.metric, lossType: w.lossType, trainSize: w.trainSize, budget: w.budget, paramTypes: {}, paramShapes: {} };
    const fields = disguisesFor(w).map((d) => d.field);
    expect(fields).toEqual(['name', 'metric.name', ...Object.keys(w.budget).map((k) => `budget.${k}`)]);
    const hidden = disguisesFor(w).reduce((i, d) => d.apply(i), info);
    expect(hidden.name).not.toBe(w.name);
    expect(hidden.metric).toEqual({ ...w.metric, name: 'validation_metric' });
    expect(hidden.budget.stepHint).toBe(w.budget.stepHint + 1);
    expect(hidden.budget.maxRuntimeSec / w.budget.maxRuntimeSec - 1).toBeGreaterThan(0);
    expect(hidden.budget.maxRuntimeSec / w.budget.maxRuntimeSec - 1).toBeLessThan(0.002);
    expect(Object.isFrozen(hidden) && Object.isFrozen(hidden.budget)).toBe(true);
    expect([hidden.trainSize, hidden.lossType, hidden.metric.direction]).toEqual([w.trainSize, w.lossType, w.metric.direction]);
  });

  it('tolerates update differences up to the tolerance and no more', () => {
    const run = (scale: number): ProbeResult => ({
      reads: new Set(), unknownReads: new Set(), selected: [1, 2], stepsRun: 1, finite: true, batchSize: 2,
      initial: { w: new Float32Array([0, 0]) }, final: { w: new Float32Array([scale, scale]) },
    });
    expect(probeDifference(run(1), run(1 - UPDATE_TOLERANCE / 2), 'x', 'when y')).toBeUndefined();
    expect(probeDifference(run(1), run(1 - UPDATE_TOLERANCE * 2), 'x', 'when y')).toMatch(/differ by 10 %/);
    expect(probeDifference(run(1), { ...run(1), reads: new Set(['lr']) }, 'x', 'when y')).toBe('reads hyperparameters (none) on x but (lr) when y');
  });
});

describe('probes', () => {
  it('leave no tensors behind, and a honest schedule over the step hint passes with a warmup rounding flip', async () => {
    await selectBackend('wasm');
    const w = getWorkload('mnist_mlp');
    await w.load();
    const { submission } = await loadSubmission('adamw');
    // 0.05018 × 2500 = 125.45 → 125 warmup steps, × 2501 = 125.50 → 126: a 0.8 % change.
    const hparams = { lr: 1e-3, beta1: 0.9, beta2: 0.999, weight_decay: 0, warmup_frac: 0.05018 };
    const before = tf.memory().numTensors;
    const result = nameBlindCheck(submission, w, { hparams, seed: 0, steps: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect(result).toEqual({ differences: [], probes: 2 });
  });
});
