/**
 * The fixed lists quick runs (`submissions/<name>/tuning_points.json`): each is a list of
 * points of the submission's published search space (the same keys, every value inside
 * its range or among its feasible points), so the first page shows configurations a
 * tuning study could have drawn; adamw's first point is the reference configuration
 * set-targets chose for mnist_mlp (read here from workloads/targets.json).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QUICK_POINTS_FILE, QUICK_SUBMISSIONS } from '../../harness/cli/run_command.ts';
import { SUBMISSIONS_DIR } from '../../harness/submissions/load.ts';

type Json = Record<string, unknown>;
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

describe.each(QUICK_SUBMISSIONS)('%s: the fixed list quick runs', (name) => {
  const listPath = join(SUBMISSIONS_DIR, name, QUICK_POINTS_FILE);
  const space = readJson(join(SUBMISSIONS_DIR, name, 'search_space.json')) as Record<string, Json>;

  it('is a non-empty list of points with exactly the search space\'s keys', () => {
    expect(existsSync(listPath)).toBe(true);
    const points = readJson(listPath) as Json[];
    expect(Array.isArray(points) && points.length > 0).toBe(true);
    for (const point of points) expect(Object.keys(point).sort()).toEqual(Object.keys(space).sort());
  });

  it('holds only points of the published search space', () => {
    for (const point of readJson(listPath) as Json[]) {
      for (const [key, spec] of Object.entries(space)) {
        const value = point[key];
        if ('feasible_points' in spec) expect(spec['feasible_points'], `${key}`).toContain(value);
        else expect(value, `${key}`).toBeGreaterThanOrEqual(spec['min'] as number), expect(value, `${key}`).toBeLessThanOrEqual(spec['max'] as number);
      }
    }
  });
});

describe('adamw\'s first quick point', () => {
  it('is the reference configuration set-targets chose for mnist_mlp', () => {
    const targets = readJson(join(SUBMISSIONS_DIR, '..', 'workloads', 'targets.json')) as { workloads: Record<string, Record<string, { reference: { submission: string; hparams: Json } }>> };
    const reference = targets.workloads['mnist_mlp']!['base']!.reference;
    expect(reference.submission).toBe('adamw');
    expect((readJson(join(SUBMISSIONS_DIR, 'adamw', QUICK_POINTS_FILE)) as Json[])[0]).toEqual(reference.hparams);
  });
});
