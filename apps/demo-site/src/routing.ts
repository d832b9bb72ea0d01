import type { IncomingMessage } from 'node:http';
import type { Reply } from './http';
import type { OrderStore } from './orders';
import type { Session, SessionStore } from './sessions';
import type { DemoVariant } from './types';

/** Everything a running site remembers; lost when it stops. */
export interface SiteState {
  variant: DemoVariant;
  readonly pageSize: number;
  /** The `demo` account's password. */
  readonly password: string;
  readonly sessions: SessionStore;
  readonly orders: OrderStore;
  /** Requests per side-effect key: every attempt that reached the site. */
  readonly sideEffects: Map<string, number>;
  /** Effects applied per side-effect key: requests not deduplicated by their idempotency key. */
  readonly appliedEffects: Map<string, number>;
  /** `<key> <idempotencyKey>` of every applied effect that carried an idempotency key. */
  readonly idempotencyKeys: Set<string>;
  /** Requests seen per `/flaky` key. */
  readonly flakyHits: Map<string, number>;
}

export interface RequestContext {
  req: IncomingMessage;
  url: URL;
  /** Named groups of the route's path pattern. */
  params: Record<string, string>;
  site: SiteState;
  session?: Session;
  sessionToken?: string;
  /** Aborts when the client goes away or the site closes. */
  signal: AbortSignal;
}

export interface Route {
  method: 'GET' | 'POST';
  /** Exact path, or a pattern whose named groups become `params`. */
  path: string | RegExp;
  /** `session` routes send visitors without a valid session to `/login`. */
  access: 'public' | 'session';
  handle(context: RequestContext): Reply | Promise<Reply>;
}

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'wrong-method'; allowed: string[] }
  | { kind: 'not-found' };

function matchPath(path: Route['path'], pathname: string): Record<string, string> | undefined {
  if (typeof path === 'string') return path === pathname ? {} : undefined;
  const match = path.exec(pathname);
  return match ? { ...match.groups } : undefined;
}

export function matchRoute(routes: ReadonlyArray<Route>, method: string, pathname: string): RouteMatch {
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, pathname);
    if (params === undefined) continue;
    if (route.method === method) return { kind: 'found', route, params };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'not-found' };
}
