import { MessageRegistry, ROBOT_COMMANDS, STREAMS, subjects, type RobotCommand } from '@aether/contracts';
import type { ConsumerRoute } from '@aether/service-kit';
import type { RobotRegistry } from './robot-registry';

/** The registry's durable consumer of robots' presence commands. */
export const PRESENCE_DURABLE = 'registry-robot-presence';

/**
 * Every robot's presence commands, in order, validated at the edge (invalid ones are
 * quarantined by the host). A heartbeat is only worth its freshness, so a short ack wait.
 */
export function robotPresenceRoute(registry: RobotRegistry): ConsumerRoute<RobotCommand> {
  return {
    durable: PRESENCE_DURABLE,
    stream: STREAMS.commands,
    filterSubject: subjects.robotPresence('*'),
    registry: new MessageRegistry<RobotCommand>(ROBOT_COMMANDS),
    ackWaitMs: 10_000,
    maxDeliver: 5,
    handle: (command) => registry.handle(command),
  };
}
