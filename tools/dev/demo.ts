import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayHeaders } from './auth';
import { REPO_ROOT } from './stack';

export const DEMO_WORKFLOW_FILE = join(REPO_ROOT, 'examples', 'demo-order-entry.workflow.json');
export const DEMO_PASSWORD = 'demo-password';
export const QUEUE_DEMO_WORKFLOW_FILE = join(REPO_ROOT, 'examples', 'queue-order-entry.workflow.json');
export const QUEUE_DEMO = 'demo-orders';

export function demoVariables(siteUrl: string) {
  return {
    siteUrl,
    username: 'demo',
    customer: 'Ada Lovelace',
    email: 'ada@example.com',
    product: 'gizmo',
    quantity: 3,
    deliveryDate: new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10),
    shipping: 'express',
    giftWrap: true,
    notes: 'Leave at the front desk',
  };
}

export interface JobResult {
  jobId: string;
  status: string;
  outputs: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
  robotId: string | null;
  steps: { stepKey: string; status: string; durationMs: number | null }[];
}

async function call<T>(gatewayUrl: string, path: string, init?: RequestInit): Promise<T> {
  const url = `${gatewayUrl}${path}`;
  const response = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...gatewayHeaders(gatewayUrl), ...init?.headers },
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url} → ${response.status}: ${body}`);
  return JSON.parse(body) as T;
}

/** Publishes the demo workflow, triggers it and waits for the job to finish. */
export async function runDemoJob(
  gatewayUrl: string,
  siteUrl: string,
  timeoutMs = 120_000,
): Promise<JobResult> {
  const workflow = readFileSync(DEMO_WORKFLOW_FILE, 'utf8');
  const { workflowId } = await call<{ workflowId: string }>(gatewayUrl, '/api/v1/workflows', {
    method: 'POST',
    body: workflow,
  });
  const { jobId } = await call<{ jobId: string }>(gatewayUrl, `/api/v1/workflows/${workflowId}/trigger`, {
    method: 'POST',
    body: JSON.stringify({ variables: demoVariables(siteUrl), priority: 10 }),
  });
  return waitForJob(gatewayUrl, jobId, timeoutMs);
}

export async function waitForJob(gatewayUrl: string, jobId: string, timeoutMs: number): Promise<JobResult> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${gatewayUrl}/api/v1/jobs/${jobId}`, {
      headers: gatewayHeaders(gatewayUrl),
    });
    if (response.ok) {
      const job = (await response.json()) as JobResult;
      if (['completed', 'failed', 'rejected'].includes(job.status)) return job;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`job ${jobId} did not finish within ${timeoutMs} ms`);
}

/** An item of the queue demo as it ended (`GET /api/v1/queues/{queue}/items/{id}`). */
export interface QueueDemoItem {
  itemId: string;
  reference: string;
  status: string;
  output: Record<string, unknown> | null;
  error: { exception: string; message: string } | null;
}

/**
 * The work-queue example end to end: defines the `demo-orders` queue (1 h SLA), adds three orders
 * (the last with quantity 0, a business exception), runs `queue-order-entry` once to work the
 * queue until it is empty, and reads how each item ended. References carry the run's time, so
 * the demo runs again on a kept data folder.
 */
export async function runQueueDemo(
  gatewayUrl: string,
  siteUrl: string,
  timeoutMs = 180_000,
): Promise<{ job: JobResult; items: QueueDemoItem[] }> {
  const workflow = readFileSync(QUEUE_DEMO_WORKFLOW_FILE, 'utf8');
  const { workflowId } = await call<{ workflowId: string }>(gatewayUrl, '/api/v1/workflows', {
    method: 'POST',
    body: workflow,
  });
  await call(gatewayUrl, `/api/v1/queues/${QUEUE_DEMO}`, {
    method: 'PUT',
    body: JSON.stringify({ slaMs: 3_600_000, maxRetries: 2 }),
  });
  const run = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const order = demoVariables(siteUrl);
  const orders = [
    { customer: 'Ada Lovelace', product: 'gizmo', quantity: 3 },
    { customer: 'Grace Hopper', product: 'widget', quantity: 12 },
    { customer: 'Alan Turing', product: 'gadget', quantity: 0 },
  ];
  const itemIds: string[] = [];
  for (const [i, { customer, product, quantity }] of orders.entries()) {
    const { itemId } = await call<{ itemId: string }>(gatewayUrl, `/api/v1/queues/${QUEUE_DEMO}/items`, {
      method: 'POST',
      body: JSON.stringify({
        reference: `DEMO-${run}-${i + 1}`,
        payload: { ...order, customer, product, quantity },
      }),
    });
    itemIds.push(itemId);
  }
  const { jobId } = await call<{ jobId: string }>(gatewayUrl, `/api/v1/workflows/${workflowId}/trigger`, {
    method: 'POST',
    body: JSON.stringify({ variables: { siteUrl, queue: QUEUE_DEMO } }),
  });
  const job = await waitForJob(gatewayUrl, jobId, timeoutMs);
  const items = await Promise.all(
    itemIds.map((itemId) => call<QueueDemoItem>(gatewayUrl, `/api/v1/queues/${QUEUE_DEMO}/items/${itemId}`)),
  );
  return { job, items };
}
