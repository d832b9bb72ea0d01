import './telemetry';
import { createLogger, runMain, startService } from '@aether/service-kit';
import { SchedulerModule } from './app.module';
import { loadSchedulerConfig } from './config';

runMain(async () => {
  const config = loadSchedulerConfig();
  const logger = createLogger('scheduler', config.LOG_LEVEL);
  await startService({
    module: SchedulerModule.forRoot(config, logger),
    logger,
    port: config.PORT,
    host: config.HOST,
  });
});
