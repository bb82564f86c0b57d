/**
 * One Prometheus registry per service instance (tests run several gateways in one process, so the
 * global default registry is never used). Every family is named `mx_...` with its unit in the
 * name; labels take values from closed sets only (route patterns, methods, status codes, reason
 * codes, operations, classes, topics, partitions): never a message id, case reference, name,
 * document number, officer or token.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

export type { Registry };

export interface MetricsRegistryOptions {
  /** Also the process's own figures (CPU, memory, event loop, GC): prom-client's default metrics. Default true. */
  processMetrics?: boolean;
}

export function createMetricsRegistry(opts: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
