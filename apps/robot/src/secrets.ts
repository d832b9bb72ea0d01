import type { NatsConnection } from '@nats-io/transport-node';
import { SecretReadReplySchema, decodeJson, subjects, type SecretReadRequest } from '@aether/contracts';
import { SealedBoxRecipient } from '@aether/vault';

/**
 * Resolves `secrets.<name>` for workflows from the robot's environment:
 * `demoPassword` → `AETHER_SECRET_DEMO_PASSWORD`. The development fallback when the robot has no
 * `ROBOT_CREDENTIAL`; values stay in memory, events and logs only ever see the name.
 */
export function environmentSecrets(
  env: NodeJS.ProcessEnv = process.env,
): (name: string) => string | undefined {
  return (name) => env[`AETHER_SECRET_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`];
}

/** A secret request the vault refused or could not answer: the claim gives up and the job is redelivered. */
export class SecretAccessError extends Error {
  override readonly name = 'SecretAccessError';
  readonly retryable = true;
}

/** Where a robot gets the secrets of a job it holds, at the step that needs them. */
export interface JobSecrets {
  /** The values found, by name; a name without a readable secret is absent. */
  resolve(tenantId: string, jobId: string, names: readonly string[]): Promise<Record<string, string>>;
}

const encoder = new TextEncoder();

/**
 * Asks the gateway's vault over NATS (`aether.ctl.<tenant>.secret.read`) with the robot's own
 * credential. The values come back sealed to a one-time key made for this request, so nobody
 * else listening on NATS can read them.
 */
export class VaultSecrets implements JobSecrets {
  constructor(
    private readonly nc: NatsConnection,
    private readonly credential: string,
    private readonly timeoutMs = 5_000,
  ) {}

  async resolve(tenantId: string, jobId: string, names: readonly string[]): Promise<Record<string, string>> {
    const recipient = new SealedBoxRecipient();
    const request: SecretReadRequest = {
      credential: this.credential,
      jobId,
      names: [...names],
      recipientKey: recipient.publicKey,
    };
    let data: Uint8Array;
    try {
      ({ data } = await this.nc.request(
        subjects.secretRead(tenantId),
        encoder.encode(JSON.stringify(request)),
        {
          timeout: this.timeoutMs,
        },
      ));
    } catch (error) {
      throw new SecretAccessError(`the vault did not answer: ${(error as Error).message}`, { cause: error });
    }
    const decoded = decodeJson(data);
    const reply = SecretReadReplySchema.safeParse(decoded.ok ? decoded.value : undefined);
    if (!reply.success) throw new SecretAccessError('the vault sent an unreadable reply');
    if ('refused' in reply.data)
      throw new SecretAccessError(`the vault refused (${reply.data.refused}): ${reply.data.message}`);
    const values = JSON.parse(recipient.open(reply.data.sealed, jobId).toString('utf8')) as Record<
      string,
      string
    >;
    return values;
  }
}
