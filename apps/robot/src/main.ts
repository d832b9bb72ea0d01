import './telemetry';
import { createLogger, runMain, startService } from '@aether/service-kit';
import { RobotModule } from './app.module';
import { loadRobotConfig } from './config';

runMain(async () => {
  const config = loadRobotConfig();
  const logger = createLogger('robot', config.LOG_LEVEL).child({ robotId: config.ROBOT_ID });
  await startService({
    module: RobotModule.forRoot(config, logger),
    logger,
    port: config.PORT,
    host: config.HOST,
  });
});
