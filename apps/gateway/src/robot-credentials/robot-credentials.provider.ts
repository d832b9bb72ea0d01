import { Inject, Injectable, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from '@aether/event-store';
import { issueNatsSystemUser, loadOrCreateNatsAuthority, RobotCredentials } from '@aether/identity';
import { NATS_CONNECTION } from '@aether/service-kit';
import type { GatewayConfig } from '../config';
import { ROBOT_CREDENTIALS } from './robot-credentials.controller';

const SYSTEM_CONNECTION = Symbol('SYSTEM_CONNECTION');

/** The system-account connection that pushes revocations; closed with the gateway. */
@Injectable()
class SystemConnectionLifecycle implements OnApplicationShutdown {
  constructor(@Inject(SYSTEM_CONNECTION) private readonly system: NatsConnection | null) {}
  async onApplicationShutdown() {
    if (this.system && !this.system.isClosed()) await this.system.close();
  }
}

/**
 * With `NATS_AUTHORITY_FILE`, the gateway enrols and revokes robots (ADR 38); it mints its own
 * system-account user from the authority to push account updates.
 */
export function robotCredentialsProviders(config: GatewayConfig): Provider[] {
  const file = config.NATS_AUTHORITY_FILE;
  return [
    {
      provide: SYSTEM_CONNECTION,
      useFactory: async () =>
        file
          ? connectNats({
              servers: config.NATS_URL,
              name: 'gateway-account-pusher',
              creds: await issueNatsSystemUser(loadOrCreateNatsAuthority(file)),
            })
          : null,
    },
    {
      provide: ROBOT_CREDENTIALS,
      useFactory: (nc: NatsConnection, system: NatsConnection | null) =>
        file && system ? RobotCredentials.open(nc, loadOrCreateNatsAuthority(file), system) : null,
      inject: [NATS_CONNECTION, SYSTEM_CONNECTION],
    },
    SystemConnectionLifecycle,
  ];
}
