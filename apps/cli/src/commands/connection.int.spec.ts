import { Command } from 'commander';
import { startNatsServer, type TestNatsServer } from '@aether/testing';
import { registerReplay } from './replay';
import { registerTail } from './tail';

describe('aether commands against a nats-server without Aether’s streams', () => {
  let empty: TestNatsServer;

  beforeAll(async () => {
    empty = await startNatsServer();
  });
  afterAll(async () => {
    await empty?.stop();
  });

  const cli = (...args: string[]) => {
    const program = new Command('aether').exitOverride();
    registerReplay(program);
    registerTail(program);
    return program.parseAsync(['node', 'aether', ...args, '--nats', empty.url]);
  };

  it.each([
    ['replay', ['replay', 'job-1']],
    ['tail', ['tail']],
  ])('%s says the EVENTS stream is missing, not "timeout" or "stream not found"', async (_name, args) => {
    await expect(cli(...args)).rejects.toThrow(
      `${empty.url} has no EVENTS stream: Aether's services create it when they first start`,
    );
  });
});
