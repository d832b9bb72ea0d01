import { nodeCatalog } from './catalog';
import { workflowNeeds } from './needs';

const node = (id: string, type: string) => ({ id, type, params: {} });

describe('workflowNeeds', () => {
  it('needs nothing for data, file and HTTP steps', () => {
    expect(workflowNeeds({ nodes: [node('a', 'data.set'), node('b', 'http.request')] })).toEqual({
      browser: false,
      desktop: false,
    });
  });

  it('needs a browser for a browser step anywhere, a subflow included', () => {
    expect(
      workflowNeeds({
        nodes: [node('a', 'subflow')],
        subflows: [{ nodes: [node('b', 'browser.click')] }],
      }),
    ).toEqual({ browser: true, desktop: false });
  });

  it('needs both for a workflow with browser and desktop steps', () => {
    expect(workflowNeeds({ nodes: [node('a', 'desktop.type'), node('b', 'browser.goto')] })).toEqual({
      browser: true,
      desktop: true,
    });
  });

  it('ignores unknown types and nodes without a type', () => {
    expect(workflowNeeds({ nodes: [node('a', 'browser.nope'), { type: 42 }] })).toEqual({
      browser: false,
      desktop: false,
    });
  });

  it.each([...nodeCatalog.values()].map((spec) => [spec.type, spec.category, spec.needs] as const))(
    '%s (%s) declares the needs of its family: %j',
    (_type, category, needs) => {
      const expected = category === 'browser' || category === 'desktop' ? [category] : [];
      expect(needs).toEqual(expected);
    },
  );
});
