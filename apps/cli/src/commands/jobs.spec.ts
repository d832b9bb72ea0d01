import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import { registerJobs } from './jobs';

/** `aether trigger` against a stand-in gateway that records what reaches it. */
describe('aether trigger: bad input is refused before anything is sent', () => {
  let gateway: Server;
  const received: { url: string; body: string }[] = [];

  beforeAll(async () => {
    gateway = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ url: request.url ?? '', body });
        response.writeHead(202, { 'content-type': 'application/json' });
        response.end('{"jobId":"job-1","status":"pending"}');
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    process.env['AETHER_API_URL'] = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    process.env['AETHER_TOKEN'] = 'token';
  });
  afterAll(async () => {
    delete process.env['AETHER_API_URL'];
    delete process.env['AETHER_TOKEN'];
    await new Promise((resolve) => gateway.close(resolve));
  });
  beforeEach(() => (received.length = 0));

  const trigger = async (...args: string[]) => {
    const program = new Command('aether').exitOverride();
    registerJobs(program);
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await program.parseAsync(['node', 'aether', 'trigger', 'demo', ...args]);
    } finally {
      write.mockRestore();
    }
  };

  it('names --vars when it is not JSON', async () => {
    await expect(trigger('--vars', '{siteUrl:1}')).rejects.toThrow(/^--vars is not JSON: /);
    await expect(trigger('--vars', '@/nonexistent/vars.json')).rejects.toThrow(
      /^cannot read --vars file \/nonexistent\/vars\.json: ENOENT/,
    );
    expect(received).toEqual([]);
  });

  it.each(['high', '1.5', '-1', '21', ''])('refuses --priority %p', async (priority) => {
    await expect(trigger('--priority', priority)).rejects.toThrow(
      `--priority must be a whole number from 0 to 20, got ${priority}`,
    );
    expect(received).toEqual([]);
  });

  it('sends good input as it was given', async () => {
    await trigger('--vars', '{"siteUrl":"http://127.0.0.1:8090"}', '--priority', '15');
    expect(received).toEqual([
      {
        url: '/api/v1/workflows/demo/trigger',
        body: '{"variables":{"siteUrl":"http://127.0.0.1:8090"},"priority":15}',
      },
    ]);
  });
});
