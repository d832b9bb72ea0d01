import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Client } from 'pg';
import { chromium, type Browser } from 'playwright-core';
import { eventually } from '@aether/testing';
import { CONSOLE_DIST, ensureConsoleBuild, startTestPlatform, type TestPlatform } from '@aether/platform';
import { round, sleep } from '../dispatch/measure';
import { benchFailed } from '../failure';
import { percentile } from '../stats';
import { liveLatencies, recordAppends, rowsShown, watchRows } from './live';
import { SEEDED_DAYS, seedReadModel } from './seed';

/**
 * `npm run bench:console`: what an operator waits for in the console. One platform (its own
 * nats-server and database, every service, 4 robots) serves the production build of the console.
 *
 * - `first_load_ms`: a cold load of the Fleet page (a new browser context, nothing cached) until its
 *   robot grid is painted, the median of 5 loads (goal < 1.5 s); `initial_bundle_gz_kb`: the
 *   scripts and styles `index.html` loads, gzipped (goal < 500).
 * - `api_jobs_p99_ms`, `api_analytics_p99_ms`: `GET /api/v1/metrics/jobs` (first pages, filters,
 *   sorts, a deep cursor) and `/metrics/analytics` (24 h, 7 d, 30 d) one request at a time with
 *   100,000 jobs in the read model (goal < 50 ms).
 * - `live_p50_ms`, `live_p99_ms`: while 4 robots run jobs requested through the API at a steady
 *   rate, each status-changing job event from its append to JetStream to the frame that paints it
 *   on the Jobs page in Chromium (goal p99 < 250 ms), over ≥ 500 updates.
 *
 * Environment: BENCH_JOBS (live jobs, default 200), BENCH_RATE (jobs/s, default 10), BENCH_SEED
 * (read-model jobs, default 100000), BENCH_REQUESTS (per API query, default 40), BENCH_API_ONLY=1
 * (only the two API figures: no console build, robots, browser or live jobs), KEEP_LOGS.
 */
async function main() {
  const liveJobs = Number(process.env['BENCH_JOBS'] ?? 200);
  const rate = Number(process.env['BENCH_RATE'] ?? 10);
  const seeded = Number(process.env['BENCH_SEED'] ?? 100_000);
  const requests = Number(process.env['BENCH_REQUESTS'] ?? 40);
  const apiOnly = process.env['BENCH_API_ONLY'] === '1';
  say(`load before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  if (!apiOnly && ensureConsoleBuild(say)) say('console built');
  const bundleBytes = apiOnly ? 0 : initialBundleGzBytes();
  const platform = await startTestPlatform({
    name: 'bench-console',
    robots: apiOnly ? 0 : 4,
    demoSite: false,
    env: { LOG_LEVEL: 'warn' },
  });
  const db = new Client({ connectionString: platform.db.url });
  let browser: Browser | undefined;
  try {
    await db.connect();
    if (!apiOnly) {
      await publishLiveWorkflow(platform);
      await eventually(
        async () => {
          const { body } = await platform.api<unknown[]>('GET', '/api/v1/robots?status=online');
          return body.length === 4 ? true : undefined;
        },
        { timeoutMs: 60_000, what: '4 robots online' },
      );
    }
    const seedStart = performance.now();
    await seedReadModel(db, seeded);
    say(`seeded ${seeded} jobs in ${round((performance.now() - seedStart) / 1000)} s`);

    const jobsMs = await timeRequests(platform, jobQueries(), requests);
    const analyticsMs = await timeRequests(platform, analyticsQueries(), requests);
    say(`API: jobs p50 ${round(percentile(jobsMs, 0.5))} ms p99 ${round(percentile(jobsMs, 0.99))} ms`);
    say(
      `API: analytics p50 ${round(percentile(analyticsMs, 0.5))} ms p99 ${round(percentile(analyticsMs, 0.99))} ms`,
    );
    const api = {
      api_jobs_p99_ms: round(percentile(jobsMs, 0.99)),
      api_analytics_p99_ms: round(percentile(analyticsMs, 0.99)),
      read_model_jobs: seeded,
    };
    const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
    if (apiOnly) {
      process.stdout.write(`${JSON.stringify({ bench: 'console', ...api, api_only: true, load: load() })}\n`);
      return;
    }

    browser = await chromium.launch({
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu'],
    });
    const loadsMs: number[] = [];
    for (let i = 0; i < 5; i++) loadsMs.push(await coldFleetLoad(browser, platform));
    say(`Fleet first loads: ${loadsMs.map((ms) => round(ms, 0)).join(', ')} ms`);

    const live = await measureLive(browser, platform, liveJobs, rate);
    say(
      `live: ${live.latenciesMs.length} updates seen, ${live.unseen} never shown, by status ${JSON.stringify(live.byStatus)}`,
    );
    process.stdout.write(
      `${JSON.stringify({
        bench: 'console',
        live_p50_ms: round(percentile(live.latenciesMs, 0.5)),
        live_p99_ms: round(percentile(live.latenciesMs, 0.99)),
        live_updates: live.latenciesMs.length,
        live_unseen: live.unseen,
        ...api,
        first_load_ms: round(percentile(loadsMs, 0.5), 0),
        initial_bundle_gz_kb: round(bundleBytes / 1000),
        robots: 4,
        load: load(),
      })}\n`,
    );
  } finally {
    await browser?.close();
    await db.end().catch(() => undefined);
    await platform.stop();
  }
}

/** The scripts, module preloads and style sheets the console's index.html loads before its first route, gzipped. */
function initialBundleGzBytes(): number {
  const html = readFileSync(join(CONSOLE_DIST, 'index.html'), 'utf8');
  const files = [...html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="([^"]+\.(?:js|css))"/g)].map(
    (match) => match[1] as string,
  );
  if (!files.some((file) => file.endsWith('.js'))) throw new Error('index.html loads no script');
  return files.reduce((sum, file) => sum + gzipSync(readFileSync(join(CONSOLE_DIST, file))).length, 0);
}

const LIVE_WORKFLOW = 'bench-console-live';

async function publishLiveWorkflow(platform: TestPlatform): Promise<void> {
  const { status, body } = await platform.api('POST', '/api/v1/workflows', {
    id: LIVE_WORKFLOW,
    nodes: [{ id: 'work', type: 'delay', params: { ms: 250 } }],
  });
  if (status !== 201 && status !== 200)
    throw new Error(`publishing ${LIVE_WORKFLOW}: ${status} ${JSON.stringify(body)}`);
}

function jobQueries(): string[] {
  const base = '/api/v1/metrics/jobs';
  const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
  return [
    base,
    `${base}?status=failed`,
    `${base}?workflowId=seed-wf-3`,
    `${base}?robotId=robot-2&sort=priority&order=desc`,
    `${base}?sort=status&order=asc`,
    `${base}?from=${encodeURIComponent(weekAgo)}&to=${encodeURIComponent(dayAgo)}&status=completed,failed`,
  ];
}

function analyticsQueries(): string[] {
  const ago = (days: number) => encodeURIComponent(new Date(Date.now() - days * 86_400_000).toISOString());
  return [
    `/api/v1/metrics/analytics?from=${ago(1)}`,
    `/api/v1/metrics/analytics?from=${ago(7)}`,
    `/api/v1/metrics/analytics?from=${ago(SEEDED_DAYS)}&bucket=day`,
  ];
}

/**
 * Times each query `requests` times, one request at a time, after one untimed call each; the jobs
 * list's first query also walks 20 pages deep by cursor, each page a timed request.
 */
async function timeRequests(platform: TestPlatform, paths: string[], requests: number): Promise<number[]> {
  const timed = async (path: string) => {
    const start = performance.now();
    const { status, body } = await platform.api<{ nextCursor?: string | null }>('GET', path);
    const ms = performance.now() - start;
    if (status !== 200) throw new Error(`GET ${path} → ${status} ${JSON.stringify(body)}`);
    return { ms, body };
  };
  const samples: number[] = [];
  for (const path of paths) {
    await timed(path);
    const own: number[] = [];
    for (let i = 0; i < requests; i++) own.push((await timed(path)).ms);
    say(`  ${path}: p50 ${round(percentile(own, 0.5))} ms, p99 ${round(percentile(own, 0.99))} ms`);
    samples.push(...own);
  }
  if (paths[0]?.startsWith('/api/v1/metrics/jobs')) {
    let cursor = (await timed(paths[0])).body.nextCursor;
    for (let page = 0; page < 20 && cursor; page++) {
      const { ms, body } = await timed(`${paths[0]}?cursor=${encodeURIComponent(cursor)}`);
      samples.push(ms);
      cursor = body.nextCursor;
    }
  }
  return samples;
}

/** A new context (empty cache), signed in as the console leaves a session; navigation start → robot grid painted. */
async function coldFleetLoad(browser: Browser, platform: TestPlatform): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  try {
    await context.addInitScript(
      (token) => sessionStorage.setItem('aether.accessToken', token),
      platform.stack.adminToken,
    );
    const page = await context.newPage();
    await page.goto(`${platform.stack.gatewayUrl}/fleet`, { waitUntil: 'commit' });
    const painted = await page.waitForFunction(
      () =>
        document.querySelectorAll('li.robot[aria-label^="Robot "]').length >= 4
          ? performance.now()
          : undefined,
      undefined,
      { polling: 'raf', timeout: 30_000 },
    );
    return (await painted.jsonValue()) as number;
  } finally {
    await context.close();
  }
}

async function measureLive(browser: Browser, platform: TestPlatform, jobs: number, rate: number) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  await context.addInitScript(
    (token) => sessionStorage.setItem('aether.accessToken', token),
    platform.stack.adminToken,
  );
  const page = await context.newPage();
  await page.goto(`${platform.stack.gatewayUrl}/jobs`);
  await page.getByRole('status').getByText('Live', { exact: true }).waitFor();
  await watchRows(page);
  const appends = await recordAppends(platform.nats.url);
  try {
    const started = performance.now();
    const triggers: Promise<void>[] = [];
    for (let i = 0; i < jobs; i++) {
      await sleep(Math.max(0, started + (i * 1000) / rate - performance.now()));
      triggers.push(
        platform
          .api('POST', `/api/v1/workflows/${LIVE_WORKFLOW}/trigger`, { variables: {} })
          .then(({ status, body }) => {
            if (status !== 202) throw new Error(`trigger → ${status} ${JSON.stringify(body)}`);
          }),
      );
    }
    await Promise.all(triggers);
    await eventually(
      async () => {
        const completed = (await rowsShown(page)).filter(([, status]) => status === 'completed').length;
        return completed >= jobs ? true : undefined;
      },
      { timeoutMs: 120_000, what: `${jobs} jobs shown completed on the Jobs page` },
    );
    await sleep(500); // the last events' appends reach the recorder too
  } finally {
    await appends.stop();
  }
  const result = liveLatencies(appends.appended, await rowsShown(page));
  await context.close();
  const byStatus: Record<string, number> = {};
  for (const { status } of appends.appended) byStatus[status] = (byStatus[status] ?? 0) + 1;
  return { ...result, byStatus };
}

const say = (line: string) => process.stderr.write(`${line}\n`);

main().catch(benchFailed);
