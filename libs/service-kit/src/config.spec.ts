import { ConfigError, env, loadConfig, streamSettingsFrom, topologyEnv } from './config';

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

describe('topologyEnv', () => {
  const load = (source: NodeJS.ProcessEnv) => streamSettingsFrom(loadConfig(topologyEnv, source));

  it('leaves everything unset when nothing is configured, so existing streams keep their shape', () => {
    expect(load({})).toEqual({});
  });

  it('reads replicas, placement and per-stream limits', () => {
    expect(
      load({
        STREAM_REPLICAS: '3',
        STREAM_PLACEMENT_CLUSTER: 'aether',
        STREAM_PLACEMENT_TAGS: 'ssd, zone-a',
        EVENTS_MAX_BYTES: '1073741824',
        QUARANTINE_MAX_AGE_MS: '86400000',
      }),
    ).toEqual({
      replicas: 3,
      placement: { cluster: 'aether', tags: ['ssd', 'zone-a'] },
      limits: { EVENTS: { maxBytes: 1073741824 }, QUARANTINE: { maxAgeMs: 86400000 } },
    });
  });

  it('names the variable of a replica count JetStream cannot have, or a negative limit', () => {
    expect(() => loadConfig(topologyEnv, { STREAM_REPLICAS: '7', WORK_MAX_BYTES: '-1' })).toThrow(
      expect.objectContaining({
        problems: [expect.stringMatching(/^STREAM_REPLICAS: /), expect.stringMatching(/^WORK_MAX_BYTES: /)],
      }),
    );
  });
});
