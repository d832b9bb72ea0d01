import './telemetry';
import { text } from 'express';
import { createLogger, runMain, startService } from '@aether/service-kit';
import { GatewayModule } from './app.module';
import { loadGatewayConfig } from './config';
import { rawHookBodies } from './hooks/hook-signature';
import { serveConsole } from './console/serve-console';
import { useLiveAdapter } from './live/live.gateway';
import { serveApiDocsAssets } from './openapi/openapi.controller';
import { resolve } from 'node:path';

runMain(async () => {
  const config = loadGatewayConfig();
  const logger = createLogger('gateway', config.LOG_LEVEL);
  await startService({
    module: GatewayModule.forRoot(config, logger),
    logger,
    port: config.PORT,
    host: config.HOST,
    configure: (nest) => {
      nest.use(rawHookBodies); // webhook signatures cover the exact bytes sent
      nest.use(text({ type: ['application/yaml', 'text/yaml', 'application/x-yaml'], limit: '2mb' }));
      serveConsole(nest, resolve(config.CONSOLE_DIR), logger);
      useLiveAdapter(nest);
      serveApiDocsAssets(nest);
    },
  });
});
