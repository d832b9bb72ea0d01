import './telemetry';
import { createLogger, runMain, startService } from '@aether/service-kit';
import { MetricsModule } from './app.module';
import { loadMetricsConfig } from './config';

runMain(async () => {
  const config = loadMetricsConfig();
  const logger = createLogger('metrics', config.LOG_LEVEL);
  await startService({
    module: MetricsModule.forRoot(config, logger),
    logger,
    port: config.PORT,
    host: config.HOST,
  });
});
