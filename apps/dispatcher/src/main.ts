import './telemetry';
import { createLogger, runMain, startService } from '@aether/service-kit';
import { DispatcherModule } from './app.module';
import { loadDispatcherConfig } from './config';

runMain(async () => {
  const config = loadDispatcherConfig();
  const logger = createLogger('dispatcher', config.LOG_LEVEL);
  await startService({
    module: DispatcherModule.forRoot(config, logger),
    logger,
    port: config.PORT,
    host: config.HOST,
  });
});
