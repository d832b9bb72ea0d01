/** Injection tokens shared by every service. */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
export const JETSTREAM = Symbol('JETSTREAM');
export const JETSTREAM_MANAGER = Symbol('JETSTREAM_MANAGER');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const LOGGER = Symbol('LOGGER');
export const CONSUMER_ROUTES = Symbol('CONSUMER_ROUTES');
export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');
/** The service's prom-client `Registry`, served at `/metrics`. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
