import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { METRICS_REGISTRY } from './tokens';

/** The service's Prometheus registry: the process's own series (CPU, memory, event loop, GC) and whatever its parts register. */
export function serviceMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * `GET /metrics` in the Prometheus text format. Labels are bounded by construction (consumer
 * names, node types, outcomes; never a job, robot or tenant id): a scrape's size does not grow
 * with the work done.
 */
@Controller('metrics')
export class PrometheusController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
