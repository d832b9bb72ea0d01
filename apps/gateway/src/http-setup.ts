import { resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { text } from 'express';
import type { Logger } from '@aether/service-kit';
import type { GatewayConfig } from './config';
import { serveConsole } from './console/serve-console';
import { rawHookBodies } from './hooks/hook-signature';
import { useLiveAdapter } from './live/live.gateway';
import { serveApiDocsAssets } from './openapi/openapi.controller';

/**
 * The gateway's HTTP set-up before it listens, shared by `main` and the tests that must see what
 * production serves. Request size limits: JSON bodies 100 KB (Express' default), YAML workflows
 * 2 MB, webhook deliveries 1 MB; a larger body is a 413 problem naming the body.
 */
export function configureHttp(nest: INestApplication, config: GatewayConfig, logger: Logger): void {
  nest.use(rawHookBodies); // webhook signatures cover the exact bytes sent
  nest.use(text({ type: ['application/yaml', 'text/yaml', 'application/x-yaml'], limit: '2mb' }));
  serveConsole(nest, resolve(config.CONSOLE_DIR), logger);
  useLiveAdapter(nest);
  serveApiDocsAssets(nest);
}
