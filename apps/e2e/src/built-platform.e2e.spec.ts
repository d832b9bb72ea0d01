import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEMO_PASSWORD,
  runDemoJob,
  type JobResult,
  startTestPlatform,
  type TestPlatform,
  REPO_ROOT,
} from '@aether/platform';

/**
 * Production runs the JavaScript `npm run build` writes, not TypeScript compiled as it loads:
 * the whole platform from a build, a demo order job through it.
 */
describe('the built platform', () => {
  // Inside the repository, as dist/ is: the build resolves its packages from node_modules there.
  mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true });
  const build = mkdtempSync(join(REPO_ROOT, 'tmp', 'build-'));
  let platform: TestPlatform;
  let job: JobResult;
  let buildOutput: string;

  beforeAll(async () => {
    const result = spawnSync(process.execPath, ['tools/build/build.mjs', '--out', build], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    buildOutput = result.stdout + result.stderr;
    if (result.status !== 0) throw new Error(`npm run build failed:\n${buildOutput}`);
    platform = await startTestPlatform({
      name: 'built',
      build,
      robotEnv: { AETHER_SECRET_DEMO_PASSWORD: DEMO_PASSWORD },
    });
    job = await runDemoJob(platform.stack.gatewayUrl, platform.site.url, 90_000);
    // The build includes the console (about a minute on two cores unless the Nx cache has it).
  }, 300_000);

  afterAll(async () => {
    await platform?.stop();
    rmSync(build, { recursive: true, force: true });
  });

  it("serves the build's console at /", async () => {
    const response = await fetch(`${platform.stack.gatewayUrl}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<ae-root>');
  });

  it('builds every service, the CLI and their libraries, and no tests', () => {
    expect(buildOutput).toMatch(/^built \d+ files into /);
    const built = spawnSync('find', [build, '-name', '*.js'], { encoding: 'utf8' }).stdout.split('\n');
    for (const app of [
      'gateway',
      'scheduler',
      'dispatcher',
      'robot-registry',
      'healer',
      'metrics',
      'robot',
      'cli',
    ])
      expect(built).toContain(join(build, 'apps', app, 'src', 'main.js'));
    expect(built.filter((file) => /\.spec\.js$|\/apps\/e2e\/|\/libs\/testing\//.test(file))).toEqual([]);
  });

  it('holds every entry point the deployment files start', () => {
    const deployed = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');
    const dockerMain = /dist\/apps\/\$\{SERVICE\}\/src\/main\.js/.exec(deployed('deploy/Dockerfile'))?.[0];
    expect(dockerMain).toBeDefined();
    const services = readdirSync(join(REPO_ROOT, 'k8s', 'base'))
      .map((file) => /name: SERVICE, value: ([\w-]+)/.exec(deployed(`k8s/base/${file}`))?.[1])
      .filter((service): service is string => service !== undefined);
    expect(services.sort()).toEqual([
      'dispatcher',
      'gateway',
      'healer',
      'metrics',
      'robot-registry',
      'scheduler',
    ]);
    const k8sCommands = readdirSync(join(REPO_ROOT, 'k8s', 'base')).flatMap((file) =>
      [...deployed(`k8s/base/${file}`).matchAll(/command: \['node', '(dist\/[^']+)'/g)].map(
        (match) => match[1],
      ),
    );
    expect(k8sCommands).toContain('dist/apps/metrics/src/migrate.js');
    const entryPoints = [
      ...services.map((service) => (dockerMain as string).replace('${SERVICE}', service)),
      ...k8sCommands,
      /ExecStart=\S+ .*?(dist\/\S+)/.exec(deployed('deploy/systemd/aether-robot.service'))?.[1],
      /%BASE%\\(dist\\[^"]+)"/.exec(deployed('deploy/windows/aether-robot.xml'))?.[1]?.replaceAll('\\', '/'),
    ];
    expect(entryPoints).not.toContain(undefined);
    for (const entryPoint of entryPoints)
      expect(existsSync(join(build, (entryPoint as string).replace(/^dist\//, '')))).toBe(true);
  });

  it('runs a demo order job to completion', () => {
    expect(job).toMatchObject({ status: 'completed', robotId: 'robot-1' });
    expect(job.outputs).toEqual({ confirmationNumber: platform.site.orders()[0]?.confirmationNumber });
  });

  // `.ci/node24` runs this suite under Node 24: the services must then run on it too, as in the image.
  it('runs every service from the build on the Node running this suite, without loading a compiler', () => {
    const processes = [...platform.stack.services, ...platform.stack.robots];
    expect(processes).toHaveLength(7);
    for (const service of processes) {
      const pid = service.child.pid as number;
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(commandLine).toContain(join(build, 'apps', service.service, 'src', 'main.js'));
      expect(realpathSync(`/proc/${pid}/exe`)).toBe(realpathSync(process.execPath));
      // swc's native binding is mapped into every process that compiles TypeScript as it loads.
      expect(readFileSync(`/proc/${pid}/maps`, 'utf8')).not.toMatch(/swc[^/\n]*\.node/);
    }
  });
});
