import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { RobotCapabilitiesSchema } from './robot.presence';

/** Facts about a robot, on `aether.evt.<tenant>.robot.<robotId>`. Heartbeats are not events: they live in KV. */
const robot = { kind: 'event', aggregate: 'robot' } as const;

export const RobotRegistered = defineMessage({
  ...robot,
  type: 'RobotRegistered',
  version: 1,
  schema: z.object({
    pool: z.string(),
    sessionId: z.string(),
    capabilities: RobotCapabilitiesSchema,
  }),
});

/**
 * The robot stopped (cleanly), lost its NATS connection, missed its heartbeats, or registered again
 * under a new session (it restarted before it was missed); the dispatcher fails its jobs over at once.
 */
export const RobotWentOffline = defineMessage({
  ...robot,
  type: 'RobotWentOffline',
  version: 1,
  schema: z.object({
    sessionId: z.string(),
    /**
     * `disconnected`: its probe found no responder (its NATS connection closed, e.g. the process
     * died); `missed-heartbeats`: silent too long; `shutdown`: said goodbye; `restarted`: a new session.
     */
    reason: z.enum(['missed-heartbeats', 'shutdown', 'restarted', 'disconnected']),
    /** When the registry last heard from it. */
    lastSeenAt: z.iso.datetime(),
    /** Jobs it reported in its last heartbeat. */
    jobs: z.array(z.string()),
  }),
});

/** A robot declared offline sent a heartbeat again (a network partition healed). */
export const RobotCameBackOnline = defineMessage({
  ...robot,
  type: 'RobotCameBackOnline',
  version: 1,
  schema: z.object({ sessionId: z.string(), offlineForMs: z.number().nonnegative() }),
});

export const ROBOT_EVENTS = [RobotRegistered, RobotWentOffline, RobotCameBackOnline] as const;
export type RobotEvent =
  | MessageOf<typeof RobotRegistered>
  | MessageOf<typeof RobotWentOffline>
  | MessageOf<typeof RobotCameBackOnline>;
