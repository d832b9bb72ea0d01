import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from '@aether/testing';
import { REPO_ROOT, startTestPlatform, type ServiceProcess, type TestPlatform } from '@aether/platform';

const run = promisify(execFile);

/**
 * `aether robots list|drain|stop` through the real CLI, gateway and robot processes: a drained
 * robot finishes its job and exits; a stopped one releases it after its step for another robot
 * to resume; either exits with code 0 and says goodbye.
 */
const FOUR_STEPS = {
  id: 'four-steps',
  // Long steps: the CLI takes seconds to start on a loaded machine, and the job must still run.
  inputs: { ms: { type: 'integer', default: 3000 } },
  nodes: [1, 2, 3, 4].map((n) => ({
    id: `step-${n}`,
    type: 'delay',
    params: { ms: '{{ inputs.ms }}' },
    ...(n < 4 ? { next: `step-${n + 1}` } : {}),
  })),
};

interface Job {
  jobId: string;
  status: string;
  robotId: string | null;
}

describe('aether robots list|drain|stop against running robots', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({
      name: 'robot-control',
      robots: 0,
      demoSite: false,
      env: { RECONCILE_INTERVAL_MS: '250' },
      robotEnv: { HEARTBEAT_MS: '300', LEASE_MS: '5000' },
    });
    await Promise.all(['ctl-a', 'ctl-b'].map((name) => platform.stack.addRobot(name)));
    expect((await platform.api('POST', '/api/v1/workflows', FOUR_STEPS)).status).toBe(201);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  /** The CLI as an operator runs it, signed in with the tenant admin's token. */
  async function aether(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(
        process.execPath,
        ['-r', '@swc-node/register', join('apps', 'cli', 'src', 'main.ts'), ...args],
        {
          cwd: REPO_ROOT,
          env: {
            ...process.env,
            SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'),
            AETHER_API_URL: platform.stack.gatewayUrl,
            AETHER_TOKEN: platform.stack.adminToken,
          },
        },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  async function trigger(): Promise<string> {
    const { status, body } = await platform.api<{ jobId: string }>(
      'POST',
      '/api/v1/workflows/four-steps/trigger',
      {},
    );
    expect(status).toBe(202);
    return body.jobId;
  }

  const until = (jobId: string, statuses: string[]) =>
    eventually(
      async () => {
        const { status, body } = await platform.api<Job>('GET', `/api/v1/jobs/${jobId}`);
        return status === 200 && statuses.includes(body.status) ? body : undefined;
      },
      { timeoutMs: 30_000, what: `job ${jobId} to be ${statuses.join('/')}` },
    );

  /** The robot running the job, once it has started a step (from the job's log, not its projection). */
  async function runningMidStep(jobId: string): Promise<string> {
    return eventually(
      async () => {
        const started = (await platform.events(jobId)).findLast((e) => e.type === 'StepStarted');
        return started ? String(started.data['robotId']) : undefined;
      },
      { timeoutMs: 30_000, what: `job ${jobId} to start a step` },
    );
  }

  const robotProcess = (name: string) =>
    platform.stack.robots.find((robot) => robot.name === name) as ServiceProcess;
  const exited = (robot: ServiceProcess) =>
    new Promise<number | null>((resolve) =>
      robot.child.exitCode !== null ? resolve(robot.child.exitCode) : robot.child.once('exit', resolve),
    );
  const completedSteps = async (jobId: string) =>
    (await platform.events(jobId))
      .filter((event) => event.type === 'StepCompleted')
      .map((event) => event.data['stepKey']);

  it('lists the robots of the tenant with their status', async () => {
    const listed = await eventually(
      async () => {
        const { stdout } = await aether('robots', 'list');
        return /ctl-a\s+online/.test(stdout) && /ctl-b\s+online/.test(stdout) ? stdout : undefined;
      },
      { timeoutMs: 20_000, what: 'both robots online in `aether robots list`' },
    );
    expect(listed.split('\n')[0]).toMatch(/^ROBOT\s+STATUS\s+POOL\s+JOBS$/);
  });

  it('drains a robot: it takes no new work, finishes its job on the spot and exits cleanly', async () => {
    const jobId = await trigger();
    const drained = await runningMidStep(jobId);
    const other = drained === 'ctl-a' ? 'ctl-b' : 'ctl-a';
    const exit = exited(robotProcess(drained));

    const { code, stdout } = await aether('robots', 'drain', drained);
    expect(code).toBe(0);
    expect(stdout).toContain(`${drained} (session `);
    expect(stdout).toContain(`draining, holding ${jobId}`);

    const next = await trigger();
    expect((await until(next, ['completed'])).robotId).toBe(other);
    const done = await until(jobId, ['completed']);
    expect(done.robotId).toBe(drained);
    const types = (await platform.events(jobId)).map((event) => event.type);
    expect(types).not.toContain('JobReleased');
    expect(await completedSteps(jobId)).toEqual(['step-1', 'step-2', 'step-3', 'step-4']);
    expect(await exit).toBe(0);
    await eventually(
      async () => {
        const { stdout: listing } = await aether('robots', 'list', '--status', 'offline');
        return listing.includes(drained) ? true : undefined;
      },
      { timeoutMs: 10_000, what: `${drained} offline` },
    );
  });

  it('stops a robot: its job is released after the running step and another robot finishes it', async () => {
    await platform.stack.addRobot('ctl-c');
    const jobId = await trigger();
    const stopped = await runningMidStep(jobId);
    const exit = exited(robotProcess(stopped));

    const { code, stdout } = await aether('robots', 'stop', stopped);
    expect(code).toBe(0);
    expect(stdout).toContain(`stopping, holding ${jobId}`);
    expect(await exit).toBe(0);

    const done = await until(jobId, ['completed']);
    expect(done.robotId).not.toBe(stopped);
    const events = await platform.events(jobId);
    expect(events.find((event) => event.type === 'JobReleased')?.data).toMatchObject({
      robotId: stopped,
      reason: 'shutdown',
    });
    // every step ran to completion once: the one running at the stop was not run again
    expect(await completedSteps(jobId)).toEqual(['step-1', 'step-2', 'step-3', 'step-4']);
  });

  it('says so when the robot is not connected, and exits non-zero', async () => {
    const { code, stderr } = await aether('robots', 'drain', 'nobody');
    expect(code).toBe(1);
    expect(stderr).toContain('404');
    expect(stderr).toContain('robot nobody is not connected');
  });
});
