import './telemetry';
import { existsSync } from 'node:fs';
import { exchangeEnrolmentToken } from '@aether/identity';
import { createLogger, runMain, startService } from '@aether/service-kit';
import { RobotModule } from './app.module';
import { loadRobotConfig, type RobotConfig } from './config';

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
  const started = enrolOnFirstStart(config, logger).then(() =>
    startService({
      module: RobotModule.forRoot(config, logger, shutdown),
      logger,
      port: config.PORT,
      host: config.HOST,
    }),
  );
  await started;
});

/** Exchanges ROBOT_ENROLMENT_TOKEN for the robot's credentials, once: a kept `.creds` file wins. */
async function enrolOnFirstStart(config: RobotConfig, logger: ReturnType<typeof createLogger>) {
  const { ROBOT_ENROLMENT_TOKEN: token, NATS_CREDS_FILE: credsFile, AETHER_GATEWAY_URL: gatewayUrl } = config;
  if (!token || (credsFile && existsSync(credsFile))) return;
  if (!credsFile || !gatewayUrl)
    throw new Error(
      'ROBOT_ENROLMENT_TOKEN needs NATS_CREDS_FILE (where to keep the credentials) and AETHER_GATEWAY_URL',
    );
  const enrolled = await exchangeEnrolmentToken({ gatewayUrl, token, credsFile });
  logger.info(
    { tenantId: enrolled.tenantId, inboxPrefix: enrolled.inboxPrefix, credsFile },
    'enrolled: credentials kept with mode 0600',
  );
}
