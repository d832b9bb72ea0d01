export { loadConfig, ConfigError, env, topologyEnv, streamSettingsFrom, type TopologyConfig } from './config';
export { createLogger, PinoNestLogger, type Logger } from './logger';
export { RetryableError, TerminalError } from './failures';
export { ConsumerHost, type ConsumerRoute, type MessageMeta } from './consumer-host';
export {
  JetStreamModule,
  ConsumerHostService,
  provideConsumers,
  type JetStreamModuleOptions,
} from './jetstream.module';
export { HealthController, type HealthCheck } from './health.controller';
export { PrometheusController, serviceMetricsRegistry } from './metrics';
export { startService, runMain, type ServiceOptions } from './bootstrap';
export {
  NATS_CONNECTION,
  JETSTREAM,
  JETSTREAM_MANAGER,
  EVENT_STORE,
  LOGGER,
  CONSUMER_ROUTES,
  HEALTH_CHECKS,
  METRICS_REGISTRY,
} from './tokens';
