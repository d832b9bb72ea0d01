import type { SelectorPatch } from '@aether/contracts';
import { patchSelectors } from './patch-selectors';

const patch = (nodeId: string, from: string, to: string): SelectorPatch => ({
  nodeId,
  from,
  to,
  confidence: 0.8,
  margin: 0.3,
  tier: 1,
  jobId: 'job-1',
  healEventId: `heal-${nodeId}`,
});

describe('patchSelectors', () => {
  const definition = {
    id: 'wf',
    version: 3,
    nodes: [
      { id: 'user', type: 'browser.fill', params: { selector: '#username', value: 'demo' } },
      { id: 'go', type: 'browser.click', params: { selector: '#submit-v2' } },
    ],
    subflows: [
      {
        id: 'sub',
        nodes: [{ id: 'user', type: 'browser.fill', params: { selector: '#username', value: 'x' } }],
      },
    ],
  };

  it('replaces the selector where the node still holds the broken one, in subflows too, and drops the version', () => {
    const result = patchSelectors(definition, [
      patch('user', '#username', '#user-login'),
      patch('go', '#login-button', '#btn'),
    ]);
    expect(result.applied.map((p) => p.nodeId)).toEqual(['user']);
    expect(result.skipped.map((p) => p.nodeId)).toEqual(['go']);
    expect(result.definition).toMatchObject({
      nodes: [{ params: { selector: '#user-login', value: 'demo' } }, { params: { selector: '#submit-v2' } }],
      subflows: [{ nodes: [{ params: { selector: '#user-login' } }] }],
    });
    expect(result.definition['version']).toBeUndefined();
    expect(definition.nodes[0].params.selector).toBe('#username');
  });
});
