import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { z } from 'zod';
import { nodeCatalog } from './catalog';
import { workflowJsonSchema } from './format';

const committedPath = join(__dirname, '..', 'workflow.schema.json');
const demo = JSON.parse(
  readFileSync(join(__dirname, '../../../examples/demo-order-entry.workflow.json'), 'utf8'),
) as Record<string, unknown>;

describe('workflow.schema.json', () => {
  it('the committed file equals the generated one (regenerate: npx nx run workflow:generate-schema)', () => {
    const committed = JSON.parse(readFileSync(committedPath, 'utf8')) as unknown;
    expect(committed).toEqual(workflowJsonSchema());
  });

  it('is a valid JSON Schema that accepts the demo and types params by node type', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true }).addFormat('uri', (url: string) =>
      URL.canParse(url),
    );
    const validate = ajv.compile(workflowJsonSchema());
    expect(validate(demo)).toBe(true);
    const broken = structuredClone(demo) as { nodes: { params: Record<string, unknown> }[] };
    broken.nodes[0].params['url'] = 42;
    expect(validate(broken)).toBe(false);
    const templated = structuredClone(demo) as { nodes: { params: Record<string, unknown> }[] };
    templated.nodes[11].params['checked'] = '{{ inputs.giftWrap }}';
    expect(validate(templated)).toBe(true);
  });
});

describe('nodeCatalog', () => {
  it('describes every node with a params schema, a timeout and an idempotency flag', () => {
    expect(nodeCatalog.size).toBeGreaterThanOrEqual(50);
    for (const [type, spec] of nodeCatalog) {
      expect(spec.type).toBe(type);
      expect(spec.description.length).toBeGreaterThan(0);
      expect(typeof spec.idempotent).toBe('boolean');
      expect(spec.defaultTimeoutMs).toBeGreaterThanOrEqual(0);
      expect(spec.params).toBeInstanceOf(z.ZodType);
    }
  });

  it.each([
    ['browser.extractText', true],
    ['browser.waitFor', true],
    ['browser.click', false],
    ['browser.fill', true],
    ['http.request', false],
    ['file.write', false],
    ['file.read', true],
    ['delay', true],
  ])('%s idempotent: %s', (type, idempotent) => expect(nodeCatalog.get(type)?.idempotent).toBe(idempotent));

  it('element-targeting browser nodes take an optional healing mode', () => {
    const click = nodeCatalog.get('browser.click')?.params ?? z.never();
    expect(click.safeParse({ selector: '#a', healing: 'heal-and-pause' }).success).toBe(true);
    expect(click.safeParse({ selector: '#a', healing: 'always' }).success).toBe(false);
  });
});
