// Drives `aether heal` end to end in a child process. Until the command is wired into the
// CLI's table, the same registerHeal runs on a fresh commander program.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const BIN = join(ROOT, 'apps/cli/bin/aether.js');
const STANDALONE = `
process.env.SWC_NODE_PROJECT ??= ${JSON.stringify(join(ROOT, 'tsconfig.base.json'))};
require('@swc-node/register');
const { Command } = require('commander');
const { registerHeal } = require(${JSON.stringify(join(ROOT, 'apps/cli/src/commands/heal.ts'))});
const program = new Command('aether');
registerHeal(program);
program.parseAsync(process.argv).catch((e) => { process.stderr.write('aether: ' + e.message + '\\n'); process.exit(1); });
`;

function wired(): boolean {
  const help = spawnSync(process.execPath, [BIN, '--help'], { cwd: ROOT, encoding: 'utf8' });
  return help.status === 0 && /^\s+heal\b/m.test(help.stdout);
}

const mode = wired() ? 'bin' : 'standalone';

function aether(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const argv = mode === 'bin' ? [BIN, ...args] : ['-e', STANDALONE, 'aether', ...args];
  const r = spawnSync(process.execPath, argv, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PAGE = `<html><body><form id="login"><label for="e">Email</label><input id="e" type="email">
<button id="submit-btn" class="btn primary">Sign in</button></form><footer><a href="/help">Help</a></footer></body></html>`;

describe(`aether heal (${mode})`, () => {
  let dir: string;
  const file = (name: string, content: string): string => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aether-heal-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('captures a fingerprint, then prints the healed selector with a JSON line', () => {
    const captured = aether('heal', '--html', file('page.html', PAGE), '--capture', '#submit-btn');
    expect(captured.status).toBe(0);
    const fingerprint = JSON.parse(captured.stdout);
    expect(fingerprint).toMatchObject({
      version: 3,
      context: { landmarks: ['form'], form: '#login' },
      selector: '#submit-btn',
      tag: 'button',
      text: 'Sign in',
    });

    const locator = file('fingerprint.json', captured.stdout);
    const changed = file(
      'changed.html',
      PAGE.replace('id="submit-btn"', 'id="btn-8f3a2c"').replace('Sign in', 'Log in'),
    );
    const healed = aether('heal', '--html', changed, '--locator', locator, '--json');
    expect(healed.status).toBe(0);
    const [selector, json] = healed.stdout.trim().split('\n');
    // Its id is generated now, and a class that a copy of the button would share names it less
    // surely than its role and words (ADR 98).
    expect(selector).toBe('role=button[name*="Log in"s]');
    expect(JSON.parse(json)).toMatchObject({
      status: 'healed',
      selector,
      tier: 1,
      previousSelector: '#submit-btn',
      structural: false,
      explanation: { rule: 'similarity' },
    });
    expect(JSON.parse(json).explanation.evidence.length).toBeGreaterThan(0);
    expect(JSON.parse(json).confidence).toBeGreaterThan(0.6);
    expect(JSON.parse(json).elapsedMs).toBeLessThan(400);
  }, 120_000);

  it('prints null when the element is gone', () => {
    const locator = file(
      'fp2.json',
      aether('heal', '--html', file('p2.html', PAGE), '--capture', '#submit-btn').stdout,
    );
    const gone = aether(
      'heal',
      '--html',
      file('gone.html', PAGE.replace(/<button[^]*<\/button>/, '')),
      '--locator',
      locator,
    );
    expect(gone).toMatchObject({ status: 0, stdout: 'null\n' });
  }, 120_000);

  it('fails with a message on a malformed fingerprint', () => {
    const bad = aether(
      'heal',
      '--html',
      file('p3.html', PAGE),
      '--locator',
      file('bad.json', '{"version": 9}'),
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/unsupported version/);
  }, 120_000);
});
