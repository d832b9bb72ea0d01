import type { IncomingMessage } from 'node:http';
import { Inject, type INestApplication } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
} from '@nestjs/websockets';
import { WsAdapter } from '@nestjs/platform-ws';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { WebSocket } from 'ws';
import type { EventStore } from '@aether/event-store';
import { LIVE_BEARER_PREFIX, LIVE_CLOSE, LIVE_PATH, LiveSubscribeSchema } from '@aether/read-api';
import { EVENT_STORE, JETSTREAM_MANAGER, LOGGER, type Logger } from '@aether/service-kit';
import { Authenticator, UnauthenticatedError } from '../auth/authenticator';
import { LIVE_FEED_ACCESS } from '../auth/route-table';
import { LiveSession, type LiveLimits } from './live-session';

export const LIVE_LIMITS = Symbol('LIVE_LIMITS');

/** The gateway serves WebSockets with `ws` (`@nestjs/platform-ws`) on its HTTP port. */
export function useLiveAdapter(app: INestApplication): void {
  app.useWebSocketAdapter(new WsAdapter(app));
}

/** The bearer of a handshake: the `aether.bearer.<token>` subprotocol (browsers), or the Authorization header. */
export function handshakeBearer(request: IncomingMessage): string | undefined {
  const protocols = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const offered = protocols.find((p) => p.startsWith(LIVE_BEARER_PREFIX));
  if (offered) return offered.slice(LIVE_BEARER_PREFIX.length);
  return /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
}

/** A WebSocket close reason is at most 123 bytes. */
const reasonOf = (text: string) => Buffer.from(text).subarray(0, 123).toString();

/**
 * The live feed (ADR 33): a client signs in with the handshake, subscribes, and receives its
 * tenant's updates from the EVENTS stream in order, each with its stream sequence.
 */
@WebSocketGateway({ path: LIVE_PATH })
export class LiveGateway implements OnGatewayConnection<WebSocket>, OnGatewayDisconnect<WebSocket> {
  private readonly sessions = new WeakMap<WebSocket, Promise<LiveSession | undefined>>();
  private readonly live = new Set<LiveSession>();

  constructor(
    private readonly authenticator: Authenticator,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
    @Inject(LIVE_LIMITS) private readonly limits: LiveLimits,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    socket.on('error', (error) => this.logger.debug({ err: error }, 'live socket error'));
    this.sessions.set(socket, this.open(socket, request));
  }

  async handleDisconnect(socket: WebSocket): Promise<void> {
    const session = await this.sessions.get(socket);
    session?.close();
    if (session) this.live.delete(session);
  }

  /** Clients subscribed and not dropped. */
  openSessions(): number {
    for (const session of this.live) if (session.isClosed) this.live.delete(session);
    return this.live.size;
  }

  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: WebSocket, @MessageBody() body: unknown): Promise<void> {
    const session = await this.sessions.get(socket);
    if (!session) return;
    const request = LiveSubscribeSchema.safeParse(body ?? {});
    if (!request.success) {
      const problems = request.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      socket.close(LIVE_CLOSE.badRequest, reasonOf(`bad subscribe: ${problems.join('; ')}`));
      return;
    }
    await session.subscribe(request.data);
  }

  private async open(socket: WebSocket, request: IncomingMessage): Promise<LiveSession | undefined> {
    try {
      const principal = await this.authenticator.fromToken(handshakeBearer(request));
      if (!LIVE_FEED_ACCESS.includes(principal.role)) {
        socket.close(LIVE_CLOSE.forbidden, reasonOf(`role ${principal.role} may not watch the live feed`));
        return undefined;
      }
      const session = new LiveSession(
        socket,
        principal.tenantId,
        this.store,
        this.jsm,
        this.limits,
        this.logger,
      );
      this.live.add(session);
      return session;
    } catch (error) {
      if (error instanceof UnauthenticatedError) {
        socket.close(LIVE_CLOSE.unauthorized, reasonOf(error.message));
        return undefined;
      }
      this.logger.error({ err: error }, 'live handshake failed');
      socket.close(1011, 'could not check the token; try again');
      return undefined;
    }
  }
}
