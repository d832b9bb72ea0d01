import { ROUTE_TABLE } from '../auth/route-table';
import { openApiDocument } from './openapi-document';
import { ROUTE_DOCS } from './route-docs';

type Operation = {
  parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
  security: unknown[];
  'x-aether-roles'?: string[];
};

describe('the OpenAPI document', () => {
  const routes = Object.keys(ROUTE_TABLE).map((key) => ({ key, status: key.startsWith('POST') ? 201 : 200 }));
  const document = openApiDocument(routes, '1') as { paths: Record<string, Record<string, Operation>> };

  it('describes every route of the route table, and only those', () => {
    expect(Object.keys(ROUTE_DOCS).sort()).toEqual(Object.keys(ROUTE_TABLE).sort());
    const operations = Object.values(document.paths).flatMap((ops) => Object.keys(ops));
    expect(operations).toHaveLength(routes.length);
  });

  it('takes query parameters, bodies and answers from the schemas the routes parse with', () => {
    const jobs = document.paths['/api/v1/metrics/jobs']!['get']!;
    const params = Object.fromEntries((jobs.parameters ?? []).map((p) => [p.name, p]));
    expect(Object.keys(params).sort()).toEqual(
      ['cursor', 'from', 'limit', 'order', 'robotId', 'sort', 'status', 'to', 'workflowId'].sort(),
    );
    expect(params['sort']?.schema).toMatchObject({
      enum: ['requestedAt', 'priority', 'workflowId', 'status'],
    });
    const page = jobs.responses['200']?.content?.['application/json']?.schema as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(page.properties).sort()).toEqual(['asOf', 'items', 'nextCursor']);
    const trigger = document.paths['/api/v1/workflows/{workflowId}/trigger']!['post']!;
    expect(trigger.parameters?.[0]).toMatchObject({ name: 'workflowId', in: 'path', required: true });
    expect(trigger.requestBody?.content['application/json']?.schema).toMatchObject({
      properties: { priority: expect.any(Object), variables: expect.any(Object) },
    });
  });

  it('says who may call each route', () => {
    expect(document.paths['/api/v1/auth/token']!['post']!.security).toEqual([]);
    const cancel = document.paths['/api/v1/jobs/{jobId}/cancel']!['post']!;
    expect(cancel.security).toEqual([{ bearer: [] }]);
    expect(cancel['x-aether-roles']).toEqual(['admin', 'operator', 'developer']);
  });

  it('refuses to describe a route it has no description of', () => {
    expect(() => openApiDocument([{ key: 'GET /api/v1/secret-route', status: 200 }], '1')).toThrow(
      'routes without an OpenAPI description: GET /api/v1/secret-route',
    );
  });
});
