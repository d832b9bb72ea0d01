import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startOtlpSink, type OtlpSink } from './otlp-sink';

const REPO_ROOT = join(__dirname, '..', '..', '..');

/** Runs the fixture with the SDK pointed at `sink`, exporting in `protocol`. */
function exportSpans(sink: OtlpSink, protocol: 'http/json' | 'http/protobuf'): Promise<number | null> {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join(__dirname, 'fixtures', 'export-spans.ts')],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'),
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
      },
      stdio: 'inherit',
    },
  );
  return new Promise((resolve) => child.once('exit', resolve));
}

describe('OTLP sink', () => {
  let sink: OtlpSink;
  beforeEach(async () => {
    sink = await startOtlpSink();
  });
  afterEach(() => sink.close());

  it('decodes spans the SDK exports as JSON: names, parents, attributes, service', async () => {
    expect(await exportSpans(sink, 'http/json')).toBe(0);
    const spans = sink.spans();
    expect(spans.map((s) => s.name).sort()).toEqual(['child one', 'child two', 'root']);
    const root = spans.find((s) => s.name === 'root');
    expect(root).toMatchObject({
      service: 'sink-fixture',
      parentSpanId: '',
      attributes: { 'aether.step.attempt': 2 },
    });
    expect(root?.traceId).toMatch(/^[0-9a-f]{32}$/);
    for (const child of spans.filter((s) => s !== root))
      expect(child).toMatchObject({ traceId: root?.traceId, parentSpanId: root?.spanId });
    expect(root?.endMs).toBeGreaterThanOrEqual(root?.startMs ?? Infinity);
    expect(sink.spanCount()).toBe(3);
  }, 60_000);

  it('counts spans the SDK exports as protobuf, its default encoding', async () => {
    expect(await exportSpans(sink, 'http/protobuf')).toBe(0);
    expect(sink.spanCount()).toBe(3);
    expect(sink.spans()).toEqual([]);
  }, 60_000);
});
