/**
 * The hardware fingerprint: what decides speed (CPU model and cores, memory, GPUs and
 * driver, OS, Node, TensorFlow.js and the chosen backend), read with
 * systeminformation and hashed. Leaderboards never rank trials of two fingerprints
 * together.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import si from 'systeminformation';
import type { BackendInfo } from '../backends/select.ts';

export interface Hardware {
  readonly fingerprint: string;
  readonly cpuModel: string;
  readonly cpuCores: number;
  readonly memoryBytes: number;
  readonly gpu: string;
  readonly os: string;
  readonly nodeVersion: string;
  readonly tfjsVersion: string;
  readonly backend: string;
  readonly backendVersion: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export async function readHardware(backend: BackendInfo): Promise<Hardware> {
  const [cpu, mem, os, graphics] = await Promise.all([si.cpu(), si.mem(), si.osInfo(), si.graphics().catch(() => undefined)]);
  const gpus = (graphics?.controllers ?? [])
    .filter((c) => c.model)
    .map((c) => [c.vendor, c.model, c.driverVersion ? `driver ${c.driverVersion}` : ''].filter(Boolean).join(' '));
  const fields = {
    cpuModel: `${cpu.manufacturer} ${cpu.brand}`.trim(),
    cpuCores: cpu.cores,
    // Rounded to GiB: the exact total wobbles by a few pages between boots.
    memoryBytes: Math.round(mem.total / 2 ** 30) * 2 ** 30,
    gpu: gpus.length > 0 ? gpus.join('; ') : 'none',
    os: `${os.distro} ${os.release} (${os.kernel}, ${os.arch})`,
    nodeVersion: process.version,
    tfjsVersion: tf.version_core,
    backend: `${backend.name} (${backend.package})`,
    backendVersion: backend.version,
  };
  const fingerprint = createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 16);
  return {
    fingerprint,
    ...fields,
    details: { cpuSpeedGHz: cpu.speed, physicalCores: cpu.physicalCores, flags: cpu.flags, hostname: os.hostname },
  };
}
