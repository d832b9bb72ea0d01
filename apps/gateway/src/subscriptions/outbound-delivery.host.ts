import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { OutboundDeliveries, type DeliveryOptions } from '@aether/outbound';
import { NATS_CONNECTION, type Logger } from '@aether/service-kit';
import type { SecretVault } from '@aether/vault';
import { SECRET_VAULT } from '../secrets/secrets.controller';

export const OUTBOUND_OPTIONS = Symbol('OUTBOUND_OPTIONS');
export const OUTBOUND_LOGGER = Symbol('OUTBOUND_LOGGER');

/** Runs the delivery service in every gateway replica (ADR 57); stops it before NATS closes. */
@Injectable()
export class OutboundDeliveryHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private deliveries?: OutboundDeliveries;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(SECRET_VAULT) private readonly vault: SecretVault,
    @Inject(OUTBOUND_LOGGER) private readonly logger: Logger,
    @Inject(OUTBOUND_OPTIONS) private readonly options: DeliveryOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.deliveries = await OutboundDeliveries.start(this.nc, this.vault, this.logger, this.options);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.deliveries?.stop();
  }
}
