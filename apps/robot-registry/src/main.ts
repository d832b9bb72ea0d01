import './telemetry';
import { createLogger, runMain, startService } from '@aether/service-kit';
import { RobotRegistryModule } from './app.module';
import { loadConfigFromEnv } from './config';

runMain(async () => {
  const config = loadConfigFromEnv();
  const logger = createLogger('robot-registry', config.LOG_LEVEL);
  await startService({
    module: RobotRegistryModule.forRoot(config, logger),
    logger,
    port: config.PORT,
    host: config.HOST,
  });
});
