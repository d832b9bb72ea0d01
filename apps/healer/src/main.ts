import './telemetry';
import { createLogger, runMain, startService } from '@aether/service-kit';
import { HealerModule } from './app.module';
import { loadConfigFromEnv } from './config';

runMain(async () => {
  const config = loadConfigFromEnv();
  const logger = createLogger('healer', config.LOG_LEVEL);
  await startService({
    module: HealerModule.forRoot(config, logger),
    logger,
    port: config.PORT,
    host: config.HOST,
  });
});
