import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';

export interface NatsConnectionOptions {
  /** e.g. `nats://127.0.0.1:4222`; several comma-separated for a cluster. */
  servers: string;
  /** Shown in the server's connection list. */
  name: string;
  user?: string;
  pass?: string;
  token?: string;
  /** A user's `.creds` text (its JWT and nkey seed, ADR 38); the servers then need no token. */
  creds?: string;
  /** Where replies arrive (`<prefix>.<id>`): a robot's credentials let it subscribe only under its own. */
  inboxPrefix?: string;
}

/** Connects and keeps reconnecting forever: services must survive a NATS restart on their own. */
export function connectNats(options: NatsConnectionOptions): Promise<NatsConnection> {
  return connect({
    servers: options.servers.split(',').map((s) => s.trim()),
    name: options.name,
    user: options.user,
    pass: options.pass,
    token: options.token,
    ...(options.creds ? { authenticator: credsAuthenticator(new TextEncoder().encode(options.creds)) } : {}),
    ...(options.inboxPrefix ? { inboxPrefix: options.inboxPrefix } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    // A frozen or partitioned server keeps the socket open: without a pong in two pings (≈ 10 s)
    // the client leaves it for another node of the cluster. nats.js waits 2 min × 2 by default.
    pingInterval: 5_000,
    maxPingOut: 2,
    waitOnFirstConnect: true,
    // An async trace is an Error (and its stack) built for every request and timer in the hot
    // path; it was ~10% of a robot's CPU. Timeouts still name the operation, not its caller.
    noAsyncTraces: true,
  });
}
