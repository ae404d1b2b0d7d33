/**
 * Whether /usr/bin/python3 has torch: the PyTorch halves of the bench tests need it,
 * and CI's machine may not (.ci/run installs nothing beyond npm's packages).
 */
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';
export const HAS_TORCH = spawnSync(PYTHON, ['-c', 'import torch'], { timeout: 120_000 }).status === 0;
/** Printed with each skipped test, so a green run without torch says what it left out. */
export const NO_TORCH = `${PYTHON} has no torch (Debian: apt-get install python3-torch); the PyTorch half is skipped`;
