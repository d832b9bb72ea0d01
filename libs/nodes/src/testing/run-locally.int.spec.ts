import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWorkflow, type Workflow } from '@aether/workflow';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the runner is tested against the real demo app
import { startDemoSite, type DemoSite } from '../../../../apps/demo-site/src';
import { InMemoryArtifacts } from '../artifacts/artifact-store';
import { BrowserPool } from '../browser/browser-pool';
import { createNodeHandlers, type NodeHandlerTable } from '../handlers';
import { runLocally } from './run-locally';

jest.setTimeout(60_000);

function parsed(doc: unknown): Workflow {
  const result = parseWorkflow(doc);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return result.workflow;
}

describe('runLocally: planNext → handler → history, as the robot does', () => {
  let site: DemoSite;
  let pool: BrowserPool;
  let handlers: NodeHandlerTable;
  let filesRoot: string;

  beforeAll(async () => {
    site = await startDemoSite({ port: 0 });
    pool = new BrowserPool();
    filesRoot = mkdtempSync(join(tmpdir(), 'aether-run-'));
    handlers = createNodeHandlers({ filesRoot, desktop: false });
  });
  afterAll(async () => {
    await pool.close();
    await handlers.close();
    await site.close();
    rmSync(filesRoot, { recursive: true, force: true });
  });

  it('runs the demo order-entry example to its confirmation number', async () => {
    const example = JSON.parse(
      readFileSync(join(__dirname, '../../../../examples/demo-order-entry.workflow.json'), 'utf8'),
    ) as unknown;
    const result = await runLocally({
      workflow: parsed(example),
      variables: {
        siteUrl: site.url,
        customer: 'ACME Corp',
        email: 'buyer@acme.test',
        product: 'gizmo',
        quantity: 3,
        deliveryDate: '2030-01-15',
        shipping: 'express',
        giftWrap: true,
      },
      secrets: { demoPassword: 'demo-password' },
      handlers,
      browser: pool,
    });
    expect(result).toMatchObject({
      status: 'completed',
      outputs: { confirmationNumber: site.orders()[0]?.confirmationNumber },
    });
    expect(site.orders()[0]).toMatchObject({
      customer: 'ACME Corp',
      product: 'gizmo',
      quantity: 3,
      shipping: 'express',
      giftWrap: true,
    });
    expect(pool.usage().leases).toBe(0);
  });

  it('runs data and http steps, and fails on a terminal browser error with evidence attached', async () => {
    const artifacts = new InMemoryArtifacts();
    const workflow = parsed({
      id: 'mixed',
      version: 1,
      nodes: [
        {
          id: 'record',
          type: 'http.request',
          params: { method: 'POST', url: `${site.url}/api/side-effects`, json: { key: 'local-run' } },
          next: 'double',
        },
        { id: 'double', type: 'data.map', params: { items: [1, 2, 3], expression: 'item * 2' }, next: 'big' },
        {
          id: 'big',
          type: 'data.filter',
          params: { items: '{{ steps.double.output.items }}', expression: 'item > 2' },
          next: 'open',
        },
        { id: 'open', type: 'browser.goto', params: { url: `${site.url}/login` }, next: 'missing' },
        { id: 'missing', type: 'browser.click', params: { selector: '#no-such-button' }, timeoutMs: 1500 },
      ],
    });
    const result = await runLocally({ workflow, handlers, browser: pool, artifacts, jobId: 'job-mixed' });

    expect(site.sideEffects()).toEqual({ 'local-run': 1 });
    expect(result.history.get('big')).toEqual({ status: 'completed', output: { items: [4, 6] } });
    expect(result).toMatchObject({
      status: 'failed',
      error: { code: 'ELEMENT_NOT_FOUND', retryable: false, nodeId: 'missing' },
    });
    const evidence = result.steps.at(-1)?.failureArtifacts ?? [];
    expect(evidence.map((a) => a.kind)).toEqual(['screenshot', 'dom']);
    expect(Buffer.from(await artifacts.get(evidence[1]?.ref ?? '')).toString()).toContain('login-button');
  });
});
