import { guardedConnector, guardedSocket, type EgressPolicy, type Resolver } from '@aether/egress';
import { NodeError } from '../errors';

/** A destination the robot's egress policy refuses. Terminal: asking again reaches the same place. */
export class EgressDeniedError extends NodeError {
  readonly code = 'EGRESS_DENIED';
  readonly retryable = false;
}

/** The policy's connector, failing a step with `EgressDeniedError`. */
export const robotConnector = (policy: EgressPolicy, resolve?: Resolver) =>
  guardedConnector(policy, resolve, (message) => new EgressDeniedError(`${message} on this robot`));

/** A socket for database drivers behind the policy, failing a step with `EgressDeniedError`. */
export const robotSocket = (policy: EgressPolicy, resolve?: Resolver) =>
  guardedSocket(policy, resolve, (message) => new EgressDeniedError(`${message} on this robot`));
