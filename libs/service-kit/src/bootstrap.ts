import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import { ConfigError } from './config';
import { PinoNestLogger } from './logger';
import { stopWithParent } from './stop-with-parent';

export interface ServiceOptions {
  module: unknown;
  logger: Logger;
  /** HTTP port for `/health` (and the API on the gateway). 0 picks a free one. */
  port: number;
  host?: string;
  /** Runs before listening: middleware, body parsers. */
  configure?: (app: INestApplication) => void;
}

/**
 * Creates the Nest application, listens, and shuts down gracefully on SIGTERM/SIGINT, or when the
 * parent that started it with an IPC channel goes.
 */
export async function startService(options: ServiceOptions): Promise<INestApplication> {
  const app = await NestFactory.create(options.module as never, {
    logger: new PinoNestLogger(options.logger),
    abortOnError: false,
  });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  stopWithParent();
  options.configure?.(app);
  await app.listen(options.port, options.host ?? '127.0.0.1');
  options.logger.info({ url: await app.getUrl() }, 'service started');
  return app;
}

/** Runs `main`, turning a configuration error into one clear message and exit code 78. */
export function runMain(main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(
      `fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
