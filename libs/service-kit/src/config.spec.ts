import { ConfigError, env, loadConfig } from './config';

const shape = { NATS_URL: env.natsUrl, PORT: env.port(8080), API_TOKEN: env.name('x') };

describe('loadConfig', () => {
  it('applies defaults and coerces numbers', () => {
    expect(loadConfig(shape, {})).toEqual({ NATS_URL: 'nats://127.0.0.1:4222', PORT: 8080, API_TOKEN: 'x' });
    expect(loadConfig(shape, { PORT: '9000' }).PORT).toBe(9000);
  });

  it('names every bad variable at once and hides secret values', () => {
    let error: unknown;
    try {
      loadConfig(shape, { NATS_URL: 'http://nope', PORT: 'eighty', API_TOKEN: 'has space' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^NATS_URL: must be a nats:\/\/ URL .*\(got "http:\/\/nope"\)$/);
    expect(problems[1]).toMatch(/^PORT: .*\(got "eighty"\)$/);
    expect(problems[2]).toMatch(/^API_TOKEN: .*\(got "\*\*\*"\)$/);
  });
});
