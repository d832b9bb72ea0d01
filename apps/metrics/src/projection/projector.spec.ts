import * as contracts from '@aether/contracts';
import { PROJECTED_AGGREGATES, PROJECTED_EVENTS } from './projector';

interface EventDefinition {
  readonly kind: 'event';
  readonly type: string;
  readonly aggregate: string;
}
const isEventDefinition = (value: unknown): value is EventDefinition =>
  typeof value === 'object' &&
  value !== null &&
  'kind' in value &&
  value.kind === 'event' &&
  'aggregate' in value;

/** Every event type the contracts define, with the aggregate whose subject it is appended to. */
const definedEvents = (Object.values(contracts) as unknown[]).filter(isEventDefinition);

describe('Projector: which events it knows', () => {
  it('knows every event of the aggregates it projects, so none is quarantined for its type alone', () => {
    const known = new Set<string>(PROJECTED_EVENTS.map((definition) => definition.type));
    const unknown = definedEvents
      .filter((event) => PROJECTED_AGGREGATES.has(event.aggregate) && !known.has(event.type))
      .map((event) => `${event.aggregate}/${event.type}`);
    expect(definedEvents.length).toBeGreaterThan(20);
    expect(unknown).toEqual([]);
  });
});
