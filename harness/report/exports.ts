/**
 * Trials and evals as flat tables for other tools: CSV (RFC 4180: a header row,
 * CRLF line ends, fields with commas, quotes or line breaks quoted, quotes doubled)
 * and JSON (hyperparameters and metrics as objects). Every attempt in the store is
 * exported, with its hardware fingerprint, so nothing measured is lost on the way.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertRoomFor, prepareOutDir } from '../store/dirs.ts';
import type { EvalRow, HardwareRow, TrialRow } from '../store/rows.ts';
import type { Store } from '../store/store.ts';

export type ExportFormat = 'csv' | 'json';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json'];

export type ExportRow = Readonly<Record<string, unknown>>;

export interface ExportTables {
  readonly trials: { readonly columns: readonly string[]; readonly rows: readonly ExportRow[] };
  readonly evals: { readonly columns: readonly string[]; readonly rows: readonly ExportRow[] };
}

const TRIAL_COLUMNS = [
  'id', 'run_id', 'hardware_fingerprint', 'workload', 'variant', 'submission', 'ruleset', 'budget_scale', 'base_seed',
  'study', 'trial', 'seed', 'status', 'time_to_target_sec', 'test_reached', 'steps', 'submission_time_sec',
  'eval_time_sec', 'budget_sec', 'metric', 'metric_direction', 'target_validation', 'target_test', 'targets_version',
  'backend', 'backend_version', 'started_at', 'finished_at', 'error', 'hparams',
  'target_step', 'target_resolution', 'noisy', 'noise', 'submission_hash', 'search_space_hash', 'workload_hash',
  'targets_hash', 'algobench_version', 'hparams_read', 'claim_host', 'claim_pid', 'claim_expires_at',
] as const;

/** Reads every trial and eval of the store into export rows. */
export function exportTables(store: Store): ExportTables {
  const fingerprints = new Map<number, string>(store.hardware().map((h: HardwareRow) => [h.id, h.fingerprint]));
  const trials = store.trials();
  const trialRows = trials.map((t) => trialRecord(t, fingerprints.get(t.hardware_id) ?? ''));
  const metricNames = { validation: new Set<string>(), test: new Set<string>() };
  const evalRows: Record<string, unknown>[] = [];
  for (const t of trials) {
    for (const e of store.evals(t.id)) {
      const validation = parseObject(e.validation_json);
      const test = parseObject(e.test_json);
      for (const k of Object.keys(validation)) metricNames.validation.add(k);
      for (const k of Object.keys(test)) metricNames.test.add(k);
      evalRows.push(evalRecord(e, t, validation, test));
    }
  }
  const evalColumns = [
    'id', 'trial_id', 'workload', 'variant', 'submission', 'ruleset', 'budget_scale', 'study', 'trial', 'step',
    'submission_time_sec', 'eval_time_sec', 'train_loss',
    ...[...metricNames.validation].sort().map((m) => `validation_${m}`),
    ...[...metricNames.test].sort().map((m) => `test_${m}`),
    'recorded_at',
  ];
  return { trials: { columns: TRIAL_COLUMNS, rows: trialRows }, evals: { columns: evalColumns, rows: evalRows } };
}

function trialRecord(t: TrialRow, fingerprint: string): Record<string, unknown> {
  return {
    id: t.id, run_id: t.run_id, hardware_fingerprint: fingerprint, workload: t.workload, variant: t.variant,
    submission: t.submission, ruleset: t.ruleset, budget_scale: t.budget_scale, base_seed: t.base_seed, study: t.study,
    trial: t.trial, seed: t.seed, status: t.status, time_to_target_sec: t.time_to_target_sec,
    test_reached: t.test_reached === null ? null : t.test_reached === 1, steps: t.steps,
    submission_time_sec: t.submission_time_sec, eval_time_sec: t.eval_time_sec, budget_sec: t.budget_sec,
    metric: t.metric, metric_direction: t.metric_direction, target_validation: t.target_validation,
    target_test: t.target_test, targets_version: t.targets_version, backend: t.backend, backend_version: t.backend_version,
    started_at: t.started_at, finished_at: t.finished_at, error: t.error, hparams: parseObject(t.hparams_json),
    target_step: t.target_step, target_resolution: t.target_resolution, noisy: t.noisy === 1,
    noise: t.noise_json === null ? null : parseObject(t.noise_json), submission_hash: t.submission_hash,
    search_space_hash: t.search_space_hash, workload_hash: t.workload_hash, targets_hash: t.targets_hash,
    algobench_version: t.algobench_version, hparams_read: t.hparams_read_json === null ? null : (JSON.parse(t.hparams_read_json) as unknown),
    claim_host: t.claim_host ?? null, claim_pid: t.claim_pid ?? null, claim_expires_at: t.claim_expires_at ?? null,
  };
}

function evalRecord(e: EvalRow, t: TrialRow, validation: Record<string, unknown>, test: Record<string, unknown>): Record<string, unknown> {
  const row: Record<string, unknown> = {
    id: e.id, trial_id: e.trial_id, workload: t.workload, variant: t.variant, submission: t.submission,
    ruleset: t.ruleset, budget_scale: t.budget_scale, study: t.study, trial: t.trial, step: e.step,
    submission_time_sec: e.submission_time_sec, eval_time_sec: e.eval_time_sec, train_loss: e.train_loss,
  };
  for (const [k, v] of Object.entries(validation)) row[`validation_${k}`] = v;
  for (const [k, v] of Object.entries(test)) row[`test_${k}`] = v;
  row['recorded_at'] = e.recorded_at;
  return row;
}

/** A JSON object column (hparams, metrics); anything else reads as empty. */
export function parseObject(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** One CSV field: objects as JSON, null as empty, quoted when RFC 4180 requires it. */
export function csvField(value: unknown): string {
  let s: string;
  if (value === null || value === undefined) s = '';
  else if (typeof value === 'object') s = JSON.stringify(value);
  else s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV document: the header row, then one line per row, CRLF-terminated. */
export function toCsv(columns: readonly string[], rows: readonly ExportRow[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(r[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** File name → content of the exports in the given formats. */
export function exportFiles(tables: ExportTables, formats: readonly ExportFormat[] = EXPORT_FORMATS): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of formats) {
    for (const name of ['trials', 'evals'] as const) {
      const t = tables[name];
      files[`${name}.${f}`] = f === 'csv' ? toCsv(t.columns, t.rows) : `${JSON.stringify(t.rows, null, 1)}\n`;
    }
  }
  return files;
}

/**
 * Writes the exports into `outDir` (checked and created first: prepareOutDir; each
 * file written under a temporary name, then renamed, so that a failed write leaves
 * no partial file) and returns their absolute paths. A place that cannot be written
 * fails before the store is read, with one line (E_USAGE).
 */
export function writeExports(store: Store, outDir: string, formats: readonly ExportFormat[] = EXPORT_FORMATS): string[] {
  const dir = prepareOutDir(outDir, 'the export');
  const files = exportFiles(exportTables(store), formats);
  const bytes = Object.values(files).reduce((sum, content) => sum + Buffer.byteLength(content), 0);
  assertRoomFor(dir, bytes, outDir, 'the export');
  const written: string[] = [];
  const temps: string[] = [];
  try {
    for (const [name, content] of Object.entries(files)) {
      const path = join(dir, name);
      const temp = `${path}.tmp-${process.pid}`;
      temps.push(temp);
      writeFileSync(temp, content);
      written.push(path);
    }
    for (const path of written) renameSync(`${path}.tmp-${process.pid}`, path);
  } catch (err) {
    for (const temp of temps) rmSync(temp, { force: true });
    throw err;
  }
  return written;
}
