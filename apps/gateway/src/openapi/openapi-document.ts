import { z } from 'zod';
import { PUBLIC, ROUTE_TABLE } from '../auth/route-table';
import { ROUTE_DOCS } from './route-docs';

/** A route as Nest serves it: `<METHOD> <path>` and the status it answers with on success. */
export interface ServedRoute {
  readonly key: string;
  readonly status: number;
}

type JsonSchema = Record<string, unknown>;
const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema =>
  z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as JsonSchema;

const DESCRIPTIONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
};

/**
 * The OpenAPI 3 document of the routes Nest serves, from the zod schemas the routes parse their
 * query, body and (where they do) their answer with (`ROUTE_DOCS`), and the roles of the route
 * table. A served route without a doc row is an error: the document never lags the API.
 */
export function openApiDocument(routes: readonly ServedRoute[], version: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  const missing = routes.filter((route) => !ROUTE_DOCS[route.key]).map((route) => route.key);
  if (missing.length) throw new Error(`routes without an OpenAPI description: ${missing.join(', ')}`);
  for (const { key, status } of [...routes].sort((a, b) => a.key.localeCompare(b.key))) {
    const doc = ROUTE_DOCS[key];
    if (!doc) continue; // refused above
    const [method, nestPath] = key.split(' ') as [string, string];
    const names = [...nestPath.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1] as string);
    const path = nestPath.replace(/:([A-Za-z]+)/g, '{$1}');
    const access = ROUTE_TABLE[key];
    const query = doc.query ? schemaOf(doc.query, 'input') : undefined;
    const queryProperties = (query?.['properties'] ?? {}) as Record<string, JsonSchema>;
    const required = new Set((query?.['required'] ?? []) as string[]);
    const parameters = [
      ...names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(queryProperties).map(([name, schema]) => ({
        name,
        in: 'query',
        required: required.has(name),
        schema,
        ...(typeof schema['description'] === 'string' ? { description: schema['description'] } : {}),
      })),
    ];
    const body = doc.body ? schemaOf(doc.body, 'input') : { type: 'object' };
    const response = doc.response ? schemaOf(doc.response, 'output') : undefined;
    (paths[path] ??= {})[method.toLowerCase()] = {
      tags: [doc.tag],
      summary: doc.summary,
      operationId: `${method.toLowerCase()} ${nestPath}`,
      ...(parameters.length ? { parameters } : {}),
      ...(['POST', 'PUT', 'PATCH'].includes(method)
        ? {
            requestBody: {
              required: Boolean(doc.body),
              content: Object.fromEntries(
                (doc.bodyTypes ?? ['application/json']).map((type) => [type, { schema: body }]),
              ),
            },
          }
        : {}),
      responses: {
        [String(status)]: {
          description: DESCRIPTIONS[status] ?? 'Success',
          ...(status === 204
            ? {}
            : { content: { [doc.responseType ?? 'application/json']: { schema: response ?? {} } } }),
        },
        '400': { description: 'The request is malformed: `{problems: [{path, message}]}`' },
        ...(access === PUBLIC
          ? {}
          : { '401': { description: 'Not signed in' }, '403': { description: 'The role may not' } }),
      },
      security: access === PUBLIC || access === undefined ? [] : [{ bearer: [] }],
      ...(access && access !== PUBLIC ? { 'x-aether-roles': access } : {}),
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Aether API',
      version,
      description:
        'The gateway of Aether, an event-sourced RPA platform. Sign in with `POST /api/v1/auth/token` and send `Authorization: Bearer <token>`. Live updates: the WebSocket `/api/v1/live` (docs/console.md).',
    },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
