// The live feed's plain constants, without zod: the console's bundle imports them from
// `@aether/read-api/live-protocol`.

/**
 * The live feed, `GET /api/v1/live` upgraded to a WebSocket (ADR 33). The bearer token travels in
 * the handshake: the subprotocols `aether.live.v1` and `aether.bearer.<token>` (a browser cannot
 * set headers on a WebSocket), or an `Authorization` header. Frames are JSON `{event, data}`.
 */
export const LIVE_PATH = '/api/v1/live';
export const LIVE_PROTOCOL = 'aether.live.v1';
export const LIVE_BEARER_PREFIX = 'aether.bearer.';

/** `jobs`: every job's changes; `robots`: robots registering, going offline, coming back; `queue`: jobs entering or leaving the wait for a robot. */
export const LIVE_CHANNELS = ['jobs', 'robots', 'queue'] as const;

/**
 * Close codes: 4401 not signed in, 4403 the role may not watch, 4400 a malformed subscribe,
 * 4008 too slow (more than the gateway's bound waiting to be sent; the reason says how much).
 */
export const LIVE_CLOSE = { unauthorized: 4401, forbidden: 4403, badRequest: 4400, tooSlow: 4008 } as const;
