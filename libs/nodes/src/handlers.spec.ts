import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCatalog } from '@aether/workflow';
import { createNodeHandlers, type NodeHandlerTable } from './handlers';

const stepTypes = (keep: (needs: readonly string[]) => boolean) =>
  [...nodeCatalog.values()]
    .filter((spec) => spec.kind === 'step' && keep(spec.needs))
    .map((spec) => spec.type)
    .sort();

describe('createNodeHandlers', () => {
  let root: string;
  let tables: NodeHandlerTable[] = [];
  beforeAll(async () => (root = await mkdtemp(join(tmpdir(), 'aether-handlers-'))));
  afterEach(async () => {
    await Promise.all(tables.map((table) => table.close()));
    tables = [];
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const create = (desktop: false | undefined) => {
    const table = createNodeHandlers({ filesRoot: root, desktop });
    tables.push(table);
    return table;
  };

  it('implements every step type of the catalog exactly once, and no control type', () => {
    // A second handler of a type throws while the table is built.
    expect([...create(undefined).keys()].sort()).toEqual(stepTypes(() => true));
  });

  it('leaves out exactly the types that need a desktop on a robot without one', () => {
    expect([...create(false).keys()].sort()).toEqual(stepTypes((needs) => !needs.includes('desktop')));
  });

  it('fails a step whose resolved params break the catalog schema with a terminal NodeParamsError', async () => {
    const handler = create(false).get('file.read');
    await expect(handler?.execute({ path: 'a.txt', encoding: 'latin1' }, {} as never)).rejects.toMatchObject({
      name: 'NodeParamsError',
      message: expect.stringContaining('encoding'),
    });
  });
});
