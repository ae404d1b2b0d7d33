/**
 * Writes the static leaderboard site: plain HTML with inline CSS, nothing fetched at
 * view time, so it opens offline from the file system. Templates are handlebars
 * files beside this one; this module only shapes data for them.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import type { Leaderboard } from '../harness/leaderboard.ts';

const TEMPLATES = new URL('./templates/', import.meta.url);

function template(name: string): Handlebars.TemplateDelegate {
  return Handlebars.compile(readFileSync(new URL(name, TEMPLATES), 'utf8'), { strict: false });
}

export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return 'missed';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - m * 60)} s`;
}

function gib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 30)} GiB`;
}

/** The view model of one leaderboard section. */
function boardView(board: Leaderboard) {
  return {
    ruleset: board.ruleset === 'external' ? 'External tuning' : 'Self-tuning',
    scaled: board.budgetScale === 1 ? '' : `budgets × ${board.budgetScale} (smoke run, not a leaderboard result)`,
    hardware: {
      fingerprint: board.hardware.fingerprint,
      cpu: `${board.hardware.cpu_model} × ${board.hardware.cpu_cores}`,
      memory: gib(board.hardware.memory_bytes),
      gpu: board.hardware.gpu,
      os: board.hardware.os,
      node: board.hardware.node_version,
      tfjs: board.hardware.tfjs_version,
      backend: `${board.hardware.backend} ${board.hardware.backend_version}`,
    },
    studies: board.studies,
    columns: board.columns.map((c) => ({ name: c, scored: board.scored.includes(c) })),
    rows: board.rows.map((row, rank) => ({
      rank: rank + 1,
      submission: row.submission,
      score: row.score.toFixed(3),
      cells: board.columns.map((c) => {
        const cell = row.cells[c];
        if (cell === undefined) return { text: '—', title: 'not run', best: false, missed: false };
        return {
          text: formatSeconds(cell.seconds),
          title: `${cell.reached}/${cell.trials} trials reached the target; ${Object.entries(cell.statuses)
            .map(([s, n]) => `${s}: ${n}`)
            .join(', ')}`,
          best: cell.best,
          missed: cell.seconds === null,
        };
      }),
    })),
  };
}

/**
 * Renders the leaderboards into `outDir`/index.html and returns its absolute path.
 * The page is written to a temporary name and renamed, so a failure never leaves a
 * half-written page behind.
 */
export function renderLeaderboard(boards: readonly Leaderboard[], outDir: string, dbPath: string): string {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const html = template('leaderboard.hbs')({
    generatedAt: new Date().toISOString(),
    dbPath,
    boards: boards.map(boardView),
    empty: boards.length === 0,
  });
  const path = join(dir, 'index.html');
  writeFileSync(`${path}.tmp`, html);
  renameSync(`${path}.tmp`, path);
  return path;
}
