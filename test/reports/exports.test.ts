import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { csvField, exportTables, toCsv, writeExports } from '../../harness/report/exports.ts';
import { addTrial, standardStore } from '../leaderboard/store_fixture.ts';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

/** A strict RFC 4180 reader: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
      else if (c === '"') (quoted = false), i++;
      else (field += c), i++;
    } else if (c === '"') {
      if (field !== '') throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
      i++;
    } else if (c === ',') (row.push(field), (field = '')), i++;
    else if (c === '\r' && text[i + 1] === '\n') (row.push(field), rows.push(row), (row = []), (field = '')), (i += 2);
    else if (c === '\n' || c === '\r') throw new Error(`bare line break at ${i}`);
    else (field += c), i++;
  }
  if (quoted) throw new Error('unterminated quote');
  if (field !== '' || row.length > 0) throw new Error('last record has no CRLF');
  return rows;
}

describe('trial and eval exports', () => {
  it('quotes fields as RFC 4180 asks', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField({ lr: 0.1 })).toBe('"{""lr"":0.1}"');
    expect(toCsv(['a', 'b'], [{ a: 1, b: 'x,y' }])).toBe('a,b\r\n1,"x,y"\r\n');
  });

  it('exports every trial and eval with a header row, and round-trips awkward error text', () => {
    const s = standardStore();
    cleanup = s.cleanup;
    const message = 'boom, "quoted"\nsecond line';
    const id = addTrial(s.store, { hardwareId: s.hardwareId, runId: s.runId, submission: 'sgd', study: 0, trial: 9, time: null, error: message });
    const paths = writeExports(s.store, join(s.dir, 'out'));
    expect(paths.map((p) => p.slice(p.lastIndexOf('/') + 1)).sort()).toEqual(['evals.csv', 'evals.json', 'trials.csv', 'trials.json']);

    const tables = exportTables(s.store);
    const trials = parseCsv(readFileSync(join(s.dir, 'out', 'trials.csv'), 'utf8'));
    const header = trials[0]!;
    expect(header).toEqual([...tables.trials.columns]);
    expect(trials).toHaveLength(1 + tables.trials.rows.length);
    expect(trials.every((r) => r.length === header.length)).toBe(true);
    const errorRow = trials.find((r) => r[header.indexOf('id')] === String(id))!;
    expect(errorRow[header.indexOf('error')]).toBe(message);
    expect(errorRow[header.indexOf('status')]).toBe('error');
    expect(errorRow[header.indexOf('hardware_fingerprint')]).toBe('hw-one');
    expect(JSON.parse(errorRow[header.indexOf('hparams')]!)).toEqual({ lr: 0.001 });

    const evals = parseCsv(readFileSync(join(s.dir, 'out', 'evals.csv'), 'utf8'));
    expect(evals[0]).toContain('validation_accuracy');
    expect(evals[0]).toContain('test_accuracy');
    // Two evals per trial.
    expect(evals).toHaveLength(1 + 2 * tables.trials.rows.length);

    const json = JSON.parse(readFileSync(join(s.dir, 'out', 'trials.json'), 'utf8')) as Array<Record<string, unknown>>;
    expect(json).toHaveLength(tables.trials.rows.length);
    expect(json.find((r) => r['id'] === id)).toMatchObject({ error: message, hparams: { lr: 0.001 }, time_to_target_sec: null });
    const evalsJson = JSON.parse(readFileSync(join(s.dir, 'out', 'evals.json'), 'utf8')) as Array<Record<string, unknown>>;
    expect(evalsJson[0]).toHaveProperty('validation_accuracy');
  });

  it('writes one format when asked', () => {
    const s = standardStore();
    cleanup = s.cleanup;
    const paths = writeExports(s.store, join(s.dir, 'json-only'), ['json']);
    expect(paths.map((p) => p.slice(p.lastIndexOf('/') + 1)).sort()).toEqual(['evals.json', 'trials.json']);
  });
});
