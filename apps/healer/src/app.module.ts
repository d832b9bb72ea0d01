import { Module, type DynamicModule } from '@nestjs/common';
import { HealthController, JetStreamModule, type Logger } from '@aether/service-kit';
import type { ServiceConfig } from './config';

@Module({})
export class HealerModule {
  static forRoot(config: ServiceConfig, logger: Logger): DynamicModule {
    return {
      module: HealerModule,
      imports: [JetStreamModule.forRoot({ servers: config.NATS_URL, name: 'healer', logger })],
      controllers: [HealthController],
    };
  }
}
