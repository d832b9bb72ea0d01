import { connect, type NatsConnection } from '@nats-io/transport-node';

export interface NatsConnectionOptions {
  /** e.g. `nats://127.0.0.1:4222`; several comma-separated for a cluster. */
  servers: string;
  /** Shown in the server's connection list. */
  name: string;
  user?: string;
  pass?: string;
  token?: string;
}

/** Connects and keeps reconnecting forever: services must survive a NATS restart on their own. */
export function connectNats(options: NatsConnectionOptions): Promise<NatsConnection> {
  return connect({
    servers: options.servers.split(',').map((s) => s.trim()),
    name: options.name,
    user: options.user,
    pass: options.pass,
    token: options.token,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
    // An async trace is an Error (and its stack) built for every request and timer in the hot
    // path; it was ~10% of a robot's CPU. Timeouts still name the operation, not its caller.
    noAsyncTraces: true,
  });
}
