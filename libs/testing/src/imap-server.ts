import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

export const DOVECOT = process.env['DOVECOT_BIN'] ?? '/usr/sbin/dovecot';

/** A real Dovecot IMAP server on a free loopback port with its own maildirs, for one test suite. */
export interface TestImapServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `imap://<user>:<password>@127.0.0.1:<port>`, as a `mail.*` node's secret holds it. */
  urlFor(user: string): string;
  /** SIGKILLs the server (the maildirs survive). */
  kill(): Promise<void>;
  /** Starts it again on the same port and maildirs. */
  restart(): Promise<void>;
  /** Stops the server and deletes its folder. */
  stop(): Promise<void>;
  /** Dovecot's log file so far. */
  log(): string;
}

/**
 * Starts `dovecot -F` with a configuration of its own (plain-text login on loopback, maildirs
 * under a temporary folder). As root, mail is owned by `nobody` (Dovecot refuses uid 0 for mail)
 * and the packaged `dovecot`/`dovenull` users run the helpers; otherwise everything runs as the
 * current user.
 */
export async function startImapServer(users: Record<string, string>): Promise<TestImapServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'aether-imap-'));
  const home = join(dir, 'home');
  mkdirSync(join(dir, 'run'));
  mkdirSync(home);
  // mkdtemp makes the folder 0700; the mail user (nobody, as root) must reach its home below
  chmodSync(dir, 0o755);
  const root = process.getuid?.() === 0;
  const [uid, gid] = root ? [65534, 65534] : [userInfo().uid, userInfo().gid];
  for (const user of Object.keys(users)) {
    mkdirSync(join(home, user));
    if (root) chownSync(join(home, user), uid, gid);
  }
  writeFileSync(
    join(dir, 'passwd'),
    Object.entries(users)
      .map(([user, password]) => `${user}:{PLAIN}${password}::::::\n`)
      .join(''),
    { mode: 0o644 },
  );
  const self = userInfo().username;
  writeFileSync(
    join(dir, 'dovecot.conf'),
    [
      `base_dir = ${dir}/run`,
      `state_dir = ${dir}/run`,
      `log_path = ${dir}/dovecot.log`,
      'protocols = imap',
      'listen = 127.0.0.1',
      'ssl = no',
      'disable_plaintext_auth = no',
      'auth_mechanisms = plain login',
      'mail_location = maildir:~/Maildir',
      ...(root ? [] : [`default_login_user = ${self}`, `default_internal_user = ${self}`]),
      `first_valid_uid = ${Math.min(uid, 500)}`,
      `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ${dir}/passwd\n}`,
      `userdb {\n  driver = static\n  args = uid=${uid} gid=${gid} home=${home}/%u\n}`,
      `service imap-login {\n  chroot =\n  inet_listener imap {\n    address = 127.0.0.1\n    port = ${port}\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}`,
      'service anvil {\n  chroot =\n}',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let stderr = '';
  const readLog = () => {
    try {
      return readFileSync(join(dir, 'dovecot.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const launch = async () => {
    stderr = '';
    // its own process group: a kill takes the login and auth processes with the master, or a
    // surviving one keeps the sockets answering and the restarted master refuses to start
    child = spawn(DOVECOT, ['-F', '-c', join(dir, 'dovecot.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitForGreeting(port, 10_000, () => `${stderr}${readLog()}`);
  };
  const killChild = async (signal: NodeJS.Signals) => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      current.once('exit', () => resolve());
      process.kill(-(current.pid as number), signal);
    });
  };
  await launch();
  return {
    host: '127.0.0.1',
    port,
    urlFor: (user) =>
      `imap://${encodeURIComponent(user)}:${encodeURIComponent(users[user] ?? '')}@127.0.0.1:${port}`,
    kill: () => killChild('SIGKILL'),
    restart: launch,
    stop: async () => {
      await killChild('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    log: readLog,
  };
}

/** Dovecot listens before its auth process answers: wait for the `* OK` greeting. */
async function waitForGreeting(port: number, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = netConnect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (/\* OK \[CAPABILITY/.test(text)) {
          socket.destroy();
          resolve(true);
        }
      });
      socket.on('error', () => resolve(false));
      socket.setTimeout(1000, () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (greeted) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not greet on port ${port}:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
