import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { RobotCapabilitiesSchema, RobotVitalsSchema } from './robot.presence';

/*
 * A robot's presence commands all travel on one subject (`subjects.robotPresence`) so the
 * registry sees a robot's registration, heartbeats and goodbye in the order it sent them.
 * The aggregate id is the robot id.
 */
const robot = { kind: 'command', aggregate: 'robot' } as const;

/** Sent once when a robot process starts. */
export const RegisterRobot = defineMessage({
  ...robot,
  type: 'RegisterRobot',
  version: 1,
  schema: z.object({
    pool: z.string().min(1).max(64),
    /** New for each process start; heartbeats carry it so an old process's heartbeats are told apart. */
    sessionId: z.string().min(1).max(200),
    capabilities: RobotCapabilitiesSchema,
    /**
     * How often it heartbeats, in ms. The registry declares it offline after three beats of
     * silence; a robot sets it to a third of its lease, so a dead robot's jobs move about when
     * its lease would have lapsed.
     */
    heartbeatMs: z.number().int().min(50).max(600_000).optional(),
    /** Agent software version, free text. */
    agentVersion: z.string().max(100).optional(),
    /** Host name of the machine it runs on. */
    hostname: z.string().max(255).optional(),
  }),
});

/** Sent every `HEARTBEAT_MS` while the robot runs. */
export const RobotHeartbeat = defineMessage({
  ...robot,
  type: 'RobotHeartbeat',
  version: 1,
  schema: z.object({
    sessionId: z.string().min(1).max(200),
    /** `draining`: shutting down, takes no new work, finishing or releasing what it holds. */
    state: z.enum(['running', 'draining']),
    vitals: RobotVitalsSchema,
  }),
});

/** Sent by a robot that stops cleanly, after it released its jobs. */
export const DeregisterRobot = defineMessage({
  ...robot,
  type: 'DeregisterRobot',
  version: 1,
  schema: z.object({ sessionId: z.string().min(1).max(200), reason: z.enum(['shutdown']) }),
});

export const ROBOT_COMMANDS = [RegisterRobot, RobotHeartbeat, DeregisterRobot] as const;
export type RobotCommand =
  MessageOf<typeof RegisterRobot> | MessageOf<typeof RobotHeartbeat> | MessageOf<typeof DeregisterRobot>;

/**
 * A robot's answer to an operator's `drain` or `stop` (`subjects.robotControl`), sent before it
 * acts: which process took the order and the jobs it holds at that moment.
 */
export const RobotControlReplySchema = z.object({
  robotId: z.string().min(1).max(200),
  sessionId: z.string().min(1).max(200),
  verb: z.enum(['drain', 'stop']),
  activeJobs: z.array(z.string().max(200)).max(1000),
});
export type RobotControlReply = z.infer<typeof RobotControlReplySchema>;
