/**
 * CPU package energy from Linux's RAPL counters (/sys/class/powercap/intel-rapl:N,
 * also used for AMD), for the cost of a trial. Each top-level zone counts
 * microjoules up to max_energy_range_uj and wraps to 0; a reading across one wrap is
 * corrected. Where there is no such zone (most virtual machines) the answer is null:
 * the report then says energy is unavailable rather than guessing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const POWERCAP_ROOT = '/sys/class/powercap';

/** One zone's counter and its wrap range, in microjoules. */
interface ZoneReading {
  readonly zone: string;
  readonly uj: number;
  readonly rangeUj: number;
}

export type EnergyMark = readonly ZoneReading[] | null;

/** Top-level package zones only (intel-rapl:0, :1, …): their subzones are inside them. */
function packageZones(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((z) => /^intel-rapl:\d+$/.test(z));
}

function readNumber(path: string): number | undefined {
  try {
    const v = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined; // unreadable (permissions since Linux 5.10 make energy_uj root-only)
  }
}

export function energyMark(root = POWERCAP_ROOT): EnergyMark {
  const readings: ZoneReading[] = [];
  for (const zone of packageZones(root)) {
    const uj = readNumber(join(root, zone, 'energy_uj'));
    const rangeUj = readNumber(join(root, zone, 'max_energy_range_uj'));
    if (uj === undefined || rangeUj === undefined) return null;
    readings.push({ zone, uj, rangeUj });
  }
  return readings.length === 0 ? null : readings;
}

/** Joules used by all packages since `mark`, or null where there are no counters. */
export function energyJoulesSince(mark: EnergyMark, root = POWERCAP_ROOT): number | null {
  if (mark === null) return null;
  const now = energyMark(root);
  if (now === null) return null;
  let uj = 0;
  for (const before of mark) {
    const after = now.find((r) => r.zone === before.zone);
    if (after === undefined) return null;
    uj += after.uj >= before.uj ? after.uj - before.uj : after.uj + before.rangeUj - before.uj;
  }
  return uj / 1e6;
}
