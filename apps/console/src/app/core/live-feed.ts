import { Injectable, inject, signal } from '@angular/core';
import { Observable } from 'rxjs';
import type { LiveFrame, LiveSubscribe } from '@aether/read-api';
import { LIVE_BEARER_PREFIX, LIVE_CLOSE, LIVE_PATH, LIVE_PROTOCOL } from '@aether/read-api/live-protocol';
import { AuthSession } from './auth-session';
import { ResumePoint } from './resume-point';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'off';

/** The feed refused the subscription for good (signed out, role, malformed request). */
export class LiveRefusedError extends Error {
  override readonly name = 'LiveRefusedError';
  constructor(
    readonly code: number,
    reason: string,
  ) {
    super(reason || `live feed closed with ${code}`);
  }
}

const FINAL_CODES: readonly number[] = [LIVE_CLOSE.unauthorized, LIVE_CLOSE.forbidden, LIVE_CLOSE.badRequest];

/**
 * The one owner of the live-update WebSocket: signs the handshake with the session's token,
 * subscribes, and after a dropped connection (or being dropped as too slow) reconnects with
 * backoff and resumes after the last sequence it received in full, so nothing is missed.
 */
@Injectable({ providedIn: 'root' })
export class LiveFeed {
  private readonly session = inject(AuthSession);
  /** The state of the newest subscription (pages open one at a time). */
  readonly state = signal<LiveState>('off');
  private newest = 0;

  /** Frames for `request` until unsubscribed. */
  watch(request: LiveSubscribe): Observable<LiveFrame> {
    return new Observable<LiveFrame>((subscriber) => {
      const id = ++this.newest;
      const setState = (state: LiveState) => {
        if (id === this.newest) this.state.set(state);
      };
      const resume = new ResumePoint(request.since);
      let socket: WebSocket | undefined;
      let retry: ReturnType<typeof setTimeout> | undefined;
      let failures = 0;
      let stopped = false;
      const connect = () => {
        setState(failures === 0 ? 'connecting' : 'reconnecting');
        const token = this.session.token();
        const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
        socket = new WebSocket(
          `${scheme}://${location.host}${LIVE_PATH}`,
          token ? [LIVE_PROTOCOL, `${LIVE_BEARER_PREFIX}${token}`] : [LIVE_PROTOCOL],
        );
        const current = socket;
        current.onopen = () =>
          current.send(JSON.stringify({ event: 'subscribe', data: { ...request, ...resume.since() } }));
        current.onmessage = (message: MessageEvent<string>) => {
          const frame = JSON.parse(message.data) as LiveFrame;
          if (frame.event === 'subscribed') {
            failures = 0;
            setState('live');
          }
          resume.saw(frame);
          subscriber.next(frame);
        };
        current.onclose = (event) => {
          if (stopped || current !== socket) return;
          if (FINAL_CODES.includes(event.code)) {
            setState('off');
            subscriber.error(new LiveRefusedError(event.code, event.reason));
            return;
          }
          failures++;
          setState('reconnecting');
          retry = setTimeout(connect, Math.min(10_000, 250 * 2 ** Math.min(failures, 6)));
        };
      };
      connect();
      return () => {
        stopped = true;
        clearTimeout(retry);
        socket?.close(1000, 'done');
        setState('off');
      };
    });
  }
}
