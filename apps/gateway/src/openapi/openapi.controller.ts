import {
  Controller,
  Get,
  Header,
  RequestMethod,
  type OnApplicationBootstrap,
  type INestApplication,
} from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { static as serveStatic } from 'express';
import { dirname } from 'node:path';
import { routeKey } from '../auth/route-table';
import { openApiDocument, type ServedRoute } from './openapi-document';

/** Swagger UI's files (`swagger-ui-dist`), under `/api/docs/assets`. */
export function serveApiDocsAssets(app: INestApplication): void {
  const dir = dirname(require.resolve('swagger-ui-dist/package.json'));
  app.use('/api/docs/assets', serveStatic(dir, { index: false, maxAge: '1d' }));
}

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Aether API</title>
    <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css" />
  </head>
  <body>
    <main id="swagger-ui"></main>
    <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
    <script>
      SwaggerUIBundle({ url: '/api/docs/openapi.json', dom_id: '#swagger-ui', deepLinking: true });
    </script>
  </body>
</html>
`;

/** Every route of every controller, as Nest declares it, with its success status. */
export function servedRoutes(discovery: DiscoveryService, scanner: MetadataScanner): ServedRoute[] {
  const routes: ServedRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const type = wrapper.metatype as (new (...args: never[]) => object) | undefined;
    if (!type) continue;
    const base = [Reflect.getMetadata(PATH_METADATA, type) ?? ''].flat() as string[];
    const prototype = type.prototype as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name] as object;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      const paths = [Reflect.getMetadata(PATH_METADATA, handler) ?? ''].flat() as string[];
      const status =
        (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ??
        (method === RequestMethod.POST ? 201 : 200);
      for (const prefix of base)
        for (const path of paths)
          routes.push({ key: routeKey(RequestMethod[method], `${prefix}/${path}`), status });
    }
  }
  return routes;
}

/** The OpenAPI 3 document of the running gateway, and Swagger UI over it. */
@Controller('api/docs')
export class OpenApiController implements OnApplicationBootstrap {
  private document: Record<string, unknown> = {};

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onApplicationBootstrap(): void {
    this.document = openApiDocument(servedRoutes(this.discovery, this.scanner), '1');
  }

  @Get('openapi.json')
  json(): Record<string, unknown> {
    return this.document;
  }

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }
}
