import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const SYSTEMD = join(ROOT, 'deploy', 'systemd');

/** `systemd-analyze verify`, without the complaint a machine without systemd running always makes. */
function verify(unit: string): { status: number | null; problems: string[] } {
  const result = spawnSync('systemd-analyze', ['verify', '--man=no', unit], { encoding: 'utf8' });
  const problems = `${result.stdout}${result.stderr}`
    .split('\n')
    .filter((line) => line.trim() && !/added as a dependency to a non-existent unit/.test(line));
  return { status: result.status, problems };
}

/** The variables the robot's configuration reads (its loaders, asked through a recording environment). */
function robotVariables(): Set<string> {
  const read = new Set<string>();
  const recorder = new Proxy({} as NodeJS.ProcessEnv, {
    get: (_target, key) => {
      if (typeof key === 'string') read.add(key);
      return undefined;
    },
  });
  // Required by path: an app is no library to import; this reads only its configuration.
  const robot = join(ROOT, 'apps', 'robot', 'src');
  type Loader = (env: NodeJS.ProcessEnv) => unknown;
  (require(join(robot, 'config.ts')) as { loadRobotConfig: Loader }).loadRobotConfig(recorder);
  (
    require(join(robot, 'presence', 'presence.config.ts')) as { loadPresenceConfig: Loader }
  ).loadPresenceConfig(recorder);
  return read;
}

describe('the robot as a systemd service', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'aether-install-'));
    const install = spawnSync(
      'sh',
      [join(SYSTEMD, 'install-robot.sh'), '--root', root, '--app', '/srv/aether'],
      {
        encoding: 'utf8',
      },
    );
    if (install.status !== 0) throw new Error(`install-robot.sh failed: ${install.stderr}`);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const unitFile = () => join(root, 'etc', 'systemd', 'system', 'aether-robot.service');
  const setting = (name: string) =>
    new RegExp(`^${name}=(.*)$`, 'm').exec(readFileSync(unitFile(), 'utf8'))?.[1];

  it('installs a unit systemd-analyze verifies, enabled, running from the app folder given', () => {
    expect(verify(unitFile())).toEqual({ status: 0, problems: [] });
    expect(setting('WorkingDirectory')).toBe('/srv/aether');
    // enabled: the link points at the unit as the installed machine sees it
    expect(readlinkSync(join(root, 'etc/systemd/system/multi-user.target.wants/aether-robot.service'))).toBe(
      '/etc/systemd/system/aether-robot.service',
    );
  });

  it('runs as its own user, which the install declares', () => {
    expect(setting('User')).toBe('aether');
    expect(readFileSync(join(root, 'etc', 'passwd'), 'utf8')).toMatch(
      /^aether:x:\d+:\d+:Aether robot:\/var\/lib\/aether:\/usr\/sbin\/nologin$/m,
    );
  });

  it('is hardened, restarts on failure and waits longer than the robot drains', () => {
    expect(setting('ProtectSystem')).toBe('strict');
    expect(setting('NoNewPrivileges')).toBe('true');
    expect(setting('Restart')).toBe('on-failure');
    expect(setting('KillSignal')).toBe('SIGTERM');
    const drainMs = 10_000; // the robot's SHUTDOWN_GRACE_MS default
    expect(Number(setting('TimeoutStopSec')) * 1000).toBeGreaterThan(drainMs);
  });

  it('offers in its settings file only variables the robot reads, its own NATS user among them', () => {
    const settings = readFileSync(join(root, 'etc', 'aether', 'robot.env'), 'utf8');
    const offered = [...settings.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    const read = robotVariables();
    expect(offered.filter((name) => !read.has(name) && name !== 'NODE_EXTRA_CA_CERTS')).toEqual([]);
    for (const name of [
      'NATS_URL',
      'NATS_CREDS_FILE',
      'ROBOT_ENROLMENT_TOKEN',
      'AETHER_GATEWAY_URL',
      'ROBOT_ID',
      'ROBOT_TENANT',
    ])
      expect(offered).toContain(name);
  });

  it('keeps the credentials the first start enrols for where the unit lets the robot write', () => {
    const credsFile = /^NATS_CREDS_FILE=(.*)$/m.exec(
      readFileSync(join(root, 'etc', 'aether', 'robot.env'), 'utf8'),
    )?.[1];
    expect(setting('ProtectSystem')).toBe('strict');
    expect(credsFile?.startsWith(`/var/lib/${setting('StateDirectory')}/`)).toBe(true);
  });

  it('keeps the settings file private to root and the robot, and never overwrites it', () => {
    const env = join(root, 'etc', 'aether', 'robot.env');
    expect(statSync(env).mode & 0o777).toBe(0o640);
    writeFileSync(env, 'NATS_URL=nats://kept:4222\n');
    spawnSync('sh', [join(SYSTEMD, 'install-robot.sh'), '--root', root]);
    expect(readFileSync(env, 'utf8')).toBe('NATS_URL=nats://kept:4222\n');
  });

  it('has a verification that fails on a unit systemd would not run', () => {
    const broken = join(root, 'broken.service');
    writeFileSync(broken, '[Service]\nExecStart=relative/path.js\nRestartt=always\n');
    expect(verify(broken).problems.length).toBeGreaterThan(0);
  });
});

describe('the robot as a Windows service (WinSW)', () => {
  const xml = readFileSync(join(ROOT, 'deploy', 'windows', 'aether-robot.xml'), 'utf8');
  const element = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

  it('runs the robot under WinSW with a stop timeout longer than its drain', () => {
    expect(element('executable')).toBe('node');
    expect(element('arguments')).toMatch(/"%BASE%\\dist\\apps\\robot\\src\\main\.js"$/);
    expect(Number(/^(\d+) sec$/.exec(element('stoptimeout') ?? '')?.[1]) * 1000).toBeGreaterThan(10_000);
    expect(xml).toMatch(/<onfailure action="restart"/);
  });
});
