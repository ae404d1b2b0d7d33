/** What the runner derives from a workload for submissions and for target checks. */
import type { MetricSpec, ModelInit, Workload, WorkloadInfo } from '../spec.ts';

/** The frozen view of a workload that a submission receives. */
export function workloadInfo(workload: Workload, init: ModelInit): WorkloadInfo {
  const paramShapes: Record<string, readonly number[]> = {};
  for (const [name, t] of Object.entries(init.params)) paramShapes[name] = Object.freeze([...t.shape]);
  return Object.freeze({
    name: workload.name,
    metric: Object.freeze({ ...workload.metric }),
    lossType: workload.lossType,
    trainSize: workload.trainSize,
    budget: Object.freeze({ ...workload.budget }),
    paramTypes: Object.freeze({ ...init.types }),
    paramShapes: Object.freeze(paramShapes),
  });
}

/** `>=` for metrics to maximise, `<=` for metrics to minimise. */
export function meetsTarget(value: number, target: number, metric: MetricSpec): boolean {
  return metric.direction === 'max' ? value >= target : value <= target;
}
