import { spawnSync } from 'node:child_process';
import { eventually } from '@aether/testing';
import { startTestPlatform, type ServiceProcess, type TestPlatform } from '@aether/platform';

/** A label that grew with the jobs would show after a few; `npm run test:chaos` runs a thousand (ADR 63). */
const MORE_JOBS = process.env['AETHER_TEST_CHAOS'] === '1' ? 1_000 : 200;

/**
 * Every service and robot serves `/metrics` in the Prometheus text format (checked by
 * Prometheus's own `promtool`), with its own series, and the label sets stay bounded: after
 * `MORE_JOBS` more jobs no scrape has grown beyond a few series, and no job id appears anywhere.
 */
describe('Prometheus metrics of every process', () => {
  let platform: TestPlatform;
  let processes: ServiceProcess[];
  const jobIds: string[] = [];

  beforeAll(async () => {
    // Authenticated (ADR 39): every service and the robot under its own credentials, the robot
    // reading its histories through the services (ADR 77), for 240 jobs.
    platform = await startTestPlatform({ name: 'metrics', demoSite: false, natsAuth: true });
    processes = [...platform.stack.services, ...platform.stack.robots];
    const published = await platform.api('POST', '/api/v1/workflows', {
      id: 'counted',
      nodes: [{ id: 'mark', type: 'data.set', params: { values: { done: true } } }],
    });
    expect(published.status).toBe(201);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const scrape = async (process: ServiceProcess) => {
    const response = await fetch(`${process.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  /** Sample lines (not comments), keyed by process name. */
  const series = (text: string) => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

  /** Triggers `count` jobs, 50 at a time, and waits for the robot to have completed `total` steps. */
  async function runJobs(count: number, total: number): Promise<void> {
    for (let sent = 0; sent < count; sent += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, count - sent) }, () =>
          platform.api<{ jobId: string }>('POST', '/api/v1/workflows/counted/trigger', {}),
        ),
      );
      for (const response of batch) {
        expect(response.status).toBe(202);
        jobIds.push(response.body.jobId);
      }
    }
    const robot = platform.stack.robots[0];
    await eventually(
      async () => {
        const line = series(await scrape(robot)).find((l) =>
          l.startsWith('aether_step_duration_seconds_count{node_type="data.set",outcome="completed"}'),
        );
        return line && Number(line.split(' ').at(-1)) >= total ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: `${total} completed data.set steps` },
    );
  }

  it('serves valid Prometheus text with each process its own series, bounded after many more jobs', async () => {
    await runJobs(40, 40);
    const metricsService = processes.find((p) => p.name === 'metrics') as ServiceProcess;
    await eventually(
      async () =>
        (await scrape(metricsService)).includes(
          'aether_job_duration_seconds_count{workflow="counted",outcome="completed"} 40',
        ) || undefined,
      { timeoutMs: 60_000, what: 'the 40 jobs projected and timed' },
    );
    const before = new Map<string, string[]>();
    for (const process of processes) {
      const text = await scrape(process);
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      // Status 1 is text Prometheus cannot parse; 3 is naming lint, which only prom-client's own
      // default Node.js gauges (`nodejs_active_handles_total` …) may draw.
      const problems = `${check.stdout}${check.stderr}`.split('\n').filter(Boolean);
      expect({
        process: process.name,
        status: check.status,
        ours: problems.filter((p) => !p.startsWith('nodejs_')),
      }).toEqual({
        process: process.name,
        status: problems.length ? 3 : 0,
        ours: [],
      });
      expect(text).toContain('process_cpu_seconds_total');
      before.set(process.name, series(text));
    }
    const all = (name: string) => (before.get(name) ?? []).join('\n');
    expect(all('scheduler')).toMatch(
      /aether_consumer_messages_total\{consumer="scheduler-request-job",outcome="handled"\} [1-9]/,
    );
    expect(all('dispatcher')).toMatch(/aether_dispatcher_ready 1/);
    expect(all('dispatcher')).toMatch(/aether_dispatcher_queue_depth\{band="high"\} 0/);
    expect(all('dispatcher')).toMatch(/aether_dispatcher_jobs_without_capable_robot 0/);
    expect(all('robot-1')).toMatch(/aether_robot_claims_total\{outcome="completed",delivery="first"\} 40/);
    expect(all('robot-1')).toMatch(/aether_robot_job_slots [1-9]/);
    expect(all('robot-registry')).toMatch(/aether_robots\{status="online"\} 1/);
    expect(all('metrics')).toMatch(/aether_projected_events_total\{type="JobCompleted"\} [1-9]/);
    expect(all('metrics')).toMatch(
      /aether_job_duration_seconds_count\{workflow="counted",outcome="completed"\} 40/,
    );
    expect(all('robot-1')).toMatch(/aether_browser_pool\{figure="max_jobs"\} [1-9]/);

    await runJobs(MORE_JOBS, MORE_JOBS + 40);
    for (const process of processes) {
      const text = await scrape(process);
      const identities = (lines: readonly string[]) =>
        lines.map((line) => line.slice(0, line.lastIndexOf(' ')));
      const known = new Set(identities(before.get(process.name) ?? []));
      // A GC kind (minor, major, incremental, weak callbacks) shows once it first runs: four at most.
      const added = identities(series(text)).filter((id) => !known.has(id) && !id.startsWith('nodejs_gc_'));
      expect({ process: process.name, added }).toEqual({ process: process.name, added: [] });
      const leaked = jobIds.filter((jobId) => text.includes(jobId));
      expect({ process: process.name, leaked }).toEqual({ process: process.name, leaked: [] });
    }
  });
});
