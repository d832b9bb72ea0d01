import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { static as serveStatic, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '@aether/service-kit';

/** Paths the console never answers: the API, its documents and the service endpoints. */
const NOT_CONSOLE = /^\/(api|health|metrics)(\/|$)/;

/**
 * Serves the console's build at `/`, same origin as `/api/v1`. A path the build has no file for
 * gets `index.html`, so the console's own routes (`/jobs/…`) survive a reload. Without a build,
 * `/` says how to make one instead of a bare 404.
 */
export function serveConsole(app: INestApplication, dir: string, logger: Logger): void {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    logger.warn({ dir }, 'console not built; `npm run build` builds it');
    app.use('/', (req: Request, res: Response, next: NextFunction) => {
      if (req.method !== 'GET' || NOT_CONSOLE.test(req.path)) return next();
      res
        .status(404)
        .type('text/plain')
        .send(`The console is not built: run npm run build (looked in ${dir}).\n`);
    });
    return;
  }
  // Hashed bundles are immutable; index.html must be revalidated so a new build is picked up.
  app.use(serveStatic(dir, { index: false, immutable: true, maxAge: '1y' }));
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || NOT_CONSOLE.test(req.path) || !req.accepts('html')) return next();
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index);
  });
}
