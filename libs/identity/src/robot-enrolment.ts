import { writeSecretFile } from './secret-file';
import { createNatsUserSeed, formatNatsCreds } from './nats-accounts';

/** What the gateway answers an exchange with; the robot's seed is not in it, it never left. */
export interface RobotEnrolmentAnswer {
  readonly jwt: string;
  readonly tenantId: string;
  readonly robotId: string;
  readonly inboxPrefix: string;
}

/**
 * The robot's side of enrolment (ADR 38): makes its own key pair, exchanges the one-time token
 * at the gateway (`POST /api/v1/robots/enrol`, no sign-in: the token is the proof) for a user JWT
 * on its public key, and writes JWT and seed as a `.creds` file with mode 0600.
 */
export async function exchangeEnrolmentToken(request: {
  gatewayUrl: string;
  token: string;
  credsFile: string;
}): Promise<RobotEnrolmentAnswer> {
  const own = createNatsUserSeed();
  const response = await fetch(`${request.gatewayUrl.replace(/\/+$/, '')}/api/v1/robots/enrol`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: request.token, publicKey: own.publicKey }),
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`exchanging the enrolment token answered ${response.status} ${body}`);
  const enrolled = JSON.parse(body) as RobotEnrolmentAnswer;
  writeSecretFile(request.credsFile, formatNatsCreds(enrolled.jwt, own.seed));
  return enrolled;
}
