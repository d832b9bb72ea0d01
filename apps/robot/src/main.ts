import './telemetry';
import { createLogger, runMain, startService } from '@aether/service-kit';
import { RobotModule } from './app.module';
import { loadRobotConfig } from './config';

runMain(async () => {
  const config = loadRobotConfig();
  const logger = createLogger('robot', config.LOG_LEVEL).child({ robotId: config.ROBOT_ID });
  // An operator's drain or stop: the same graceful close as SIGTERM, then exit code 0, which
  // systemd's Restart=on-failure and WinSW leave stopped. (Signalling itself would not do on
  // Windows, where process.kill ends a process abruptly.)
  const shutdown = () =>
    void started
      .then((app) => app.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  const started = startService({
    module: RobotModule.forRoot(config, logger, shutdown),
    logger,
    port: config.PORT,
    host: config.HOST,
  });
  await started;
});
