import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  DEFAULT_AUDIENCE,
  DEFAULT_ISSUER,
  loadOrCreateSigningKey,
  type EmbeddedIssuer,
} from '@aether/identity';
import { createLogger, type Logger } from '@aether/service-kit';
import { GatewayModule } from '../app.module';
import { loadGatewayConfig, type GatewayConfig } from '../config';

export interface GatewayInProcess {
  readonly app: INestApplication;
  readonly url: string;
  readonly config: GatewayConfig;
  /** Signs tokens the gateway accepts (its embedded issuer's key). */
  readonly issuer: EmbeddedIssuer;
}

/**
 * The gateway in the test's own process, listening on a free loopback port: configured from
 * `env` as `loadGatewayConfig` reads it, with `configure` applied before listening (what
 * `main.ts` does is `configureHttp`; a spec may apply only the part it exercises).
 */
export async function startGatewayInProcess(
  env: Record<string, string>,
  configure: (app: INestApplication, config: GatewayConfig, logger: Logger) => void,
): Promise<GatewayInProcess> {
  const config = loadGatewayConfig(env);
  const logger = createLogger('gateway', 'silent');
  const app = await NestFactory.create(GatewayModule.forRoot(config, logger), { logger: false });
  configure(app, config, logger);
  await app.listen(0, '127.0.0.1');
  const key = await loadOrCreateSigningKey(config.AUTH_SIGNING_KEY_FILE);
  return {
    app,
    url: await app.getUrl(),
    config,
    issuer: { issuer: DEFAULT_ISSUER, audience: DEFAULT_AUDIENCE, key },
  };
}
