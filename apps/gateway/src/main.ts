import './telemetry';
import { createLogger, runMain, startService } from '@aether/service-kit';
import { GatewayModule } from './app.module';
import { loadGatewayConfig } from './config';
import { configureHttp } from './http-setup';

runMain(async () => {
  const config = loadGatewayConfig();
  const logger = createLogger('gateway', config.LOG_LEVEL);
  await startService({
    module: GatewayModule.forRoot(config, logger),
    logger,
    port: config.PORT,
    host: config.HOST,
    configure: (nest) => configureHttp(nest, config, logger),
  });
});
