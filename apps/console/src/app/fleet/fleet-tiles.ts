import type { FleetMetrics } from '@aether/read-api';
import type { Tone } from '../shared/status-tone';

export interface Tile {
  readonly label: string;
  readonly value: number;
  readonly tone: Tone;
  readonly hint?: string;
}

/** The fleet's headline figures; a tile that needs a person turns amber or red only when it is non-zero. */
export function fleetTiles(fleet: FleetMetrics): Tile[] {
  const online = fleet.robotsByState.idle + fleet.robotsByState.busy;
  const waiting = fleet.queueDepth.reduce((sum, band) => sum + band.jobs, 0);
  return [
    {
      label: 'Robots online',
      value: online,
      tone: online > 0 ? 'ok' : 'bad',
      hint: `${fleet.robotsByState.busy} busy · ${fleet.robotsByState.offline} offline`,
    },
    { label: 'Running jobs', value: fleet.jobsByStatus.running, tone: 'busy' },
    { label: 'Waiting jobs', value: waiting, tone: 'idle' },
    {
      label: 'Needs attention',
      value: fleet.needsAttention,
      tone: fleet.needsAttention > 0 ? 'warn' : 'idle',
    },
    { label: 'Dead letters', value: fleet.deadLetters, tone: fleet.deadLetters > 0 ? 'bad' : 'idle' },
    { label: 'Completed', value: fleet.jobsByStatus.completed, tone: 'ok' },
  ];
}
