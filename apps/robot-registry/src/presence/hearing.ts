/** Below this many, commands waiting unread are one pull's worth: a busy feed, not a deaf one. */
const ONE_PULL = 16;

/**
 * Whether the registry hears the robots: its presence consumer answered (`waiting` is known) and
 * fewer commands wait in it, unread or unsettled, than there are robots. A registry behind by a
 * heartbeat round — its consumer's leader lost, its pull not yet moved to the new leader — hears
 * nothing, and the robots' silence then says nothing about them: in `chaos:cluster` it declared
 * every robot offline when only its own consumer's node had died.
 */
export function hearsRobots(waiting: number | undefined, robotsPresent: number): boolean {
  return waiting !== undefined && waiting < Math.max(robotsPresent, ONE_PULL);
}
