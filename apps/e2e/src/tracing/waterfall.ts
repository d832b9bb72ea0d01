import type { SinkSpan } from '@aether/testing';

/**
 * One trace as a page: a row per span, indented under its parent and drawn to scale on the
 * trace's time axis, as trace viewers (Jaeger, Tempo) draw them. For the docs' screenshot.
 */
export function waterfallHtml(spans: readonly SinkSpan[]): string {
  const byParent = new Map<string, SinkSpan[]>();
  const ids = new Set(spans.map((s) => s.spanId));
  for (const span of [...spans].sort((a, b) => a.startMs - b.startMs)) {
    const parent = ids.has(span.parentSpanId) ? span.parentSpanId : '';
    byParent.set(parent, [...(byParent.get(parent) ?? []), span]);
  }
  const rows: { span: SinkSpan; depth: number }[] = [];
  const walk = (parent: string, depth: number) => {
    for (const span of byParent.get(parent) ?? []) {
      rows.push({ span, depth });
      walk(span.spanId, depth + 1);
    }
  };
  walk('', 0);
  const start = Math.min(...spans.map((s) => s.startMs));
  const total = Math.max(1, Math.max(...spans.map((s) => s.endMs)) - start);
  const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const detail = (span: SinkSpan) =>
    ['aether.step.key', 'aether.step.attempt', 'aether.robot.id', 'aether.claim.outcome']
      .filter((key) => span.attributes[key] !== undefined && span.attributes[key] !== '')
      .map((key) => `${key.split('.').at(-1)}=${String(span.attributes[key])}`)
      .join(' ');
  const body = rows
    .map(({ span, depth }) => {
      const left = ((span.startMs - start) / total) * 100;
      const width = Math.max(0.3, ((span.endMs - span.startMs) / total) * 100);
      const orphan =
        span.parentSpanId !== '' && !ids.has(span.parentSpanId) ? ' <i>(parent never exported)</i>' : '';
      return `<tr><td style="padding-left:${depth * 14 + 4}px"><b>${escape(span.service)}</b> ${escape(span.name)} <small>${escape(detail(span))}</small>${orphan}</td>
<td class="axis"><div class="bar ${span.statusCode === 2 ? 'error' : ''}" style="left:${left}%;width:${width}%"></div></td>
<td class="ms">${span.endMs - span.startMs} ms</td></tr>`;
    })
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>trace ${escape(spans[0]?.traceId ?? '')}</title><style>
body{font:13px system-ui,sans-serif;margin:16px;color:#1d2430}
table{border-collapse:collapse;width:100%}td{padding:3px 4px;border-bottom:1px solid #e3e7ee;white-space:nowrap}
td.axis{position:relative;width:55%}td.ms{text-align:right;color:#556}
.bar{position:absolute;top:5px;height:12px;background:#4a7fd4;border-radius:2px}.bar.error{background:#d0483c}
small{color:#667}i{color:#a05a00}</style></head><body>
<h3>Trace ${escape(spans[0]?.traceId ?? '')}: ${rows.length} spans, ${total} ms</h3>
<table>${body}</table></body></html>`;
}
