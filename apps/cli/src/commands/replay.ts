import type { Command } from 'commander';
import { DEFAULT_TENANT, JOB_EVENTS, MessageRegistry, subjects, type JobEvent } from '@aether/contracts';
import { evolveJob, initialJobState, type JobState } from '@aether/job-domain';
import { natsTargetOptions, withEventStore, type NatsTarget } from './connection';

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);

/** `aether replay <jobId>`: the job's history from the event store and the state rebuilt after each event. */
export function registerReplay(program: Command): void {
  natsTargetOptions(program.command('replay <jobId>'))
    .description("print a job's event history and the state rebuilt from it, step by step")
    .option('--tenant <tenant>', 'tenant', DEFAULT_TENANT)
    .option('--json', 'one JSON object per event')
    .action(async (jobId: string, options: NatsTarget & { tenant: string; json?: boolean }) => {
      const history = await withEventStore(options, (store) =>
        store.read(subjects.event(options.tenant, 'job', jobId), jobEvents),
      );
      if (history.lastSequence === 0) throw new Error(`job ${jobId} has no events`);
      let state: JobState = initialJobState;
      for (const { sequence, event } of history.events) {
        state = evolveJob(state, event);
        const line = options.json
          ? JSON.stringify({
              sequence,
              type: event.type,
              occurredAt: event.occurredAt,
              data: event.data,
              state: summarize(state),
            })
          : `#${sequence} ${event.occurredAt} ${event.type.padEnd(18)} ${describe(event)}\n      → ${render(state)}`;
        process.stdout.write(`${line}\n`);
      }
      for (const bad of history.invalid) process.stdout.write(`#${bad.sequence} INVALID ${bad.reason}\n`);
    });
}

function describe(event: JobEvent): string {
  switch (event.type) {
    case 'StepStarted':
      return `${event.data.stepKey} (${event.data.nodeType}, attempt ${event.data.attempt}, ${event.data.robotId})`;
    case 'StepCompleted':
      return `${event.data.stepKey} in ${event.data.durationMs} ms → ${JSON.stringify(event.data.output).slice(0, 120)}`;
    case 'StepFailed':
      return `${event.data.stepKey}: ${event.data.error.message}`;
    case 'JobStarted':
      return `on ${event.data.robotId} (delivery ${event.data.delivery}, ${event.data.resumedAfterSteps} steps done)`;
    default:
      return JSON.stringify(event.data).slice(0, 160);
  }
}

function summarize(state: JobState) {
  return {
    status: state.status,
    completedSteps: state.completedSteps,
    cancelRequested: state.cancelRequested,
    steps: Object.fromEntries([...state.steps].map(([key, record]) => [key, record.status])),
  };
}

function render(state: JobState): string {
  const steps = [...state.steps].map(([key, record]) => `${key}:${record.status}`).join(' ');
  return `${state.status}, ${state.completedSteps} completed${state.cancelRequested ? ', cancel requested' : ''}${steps ? ` [${steps}]` : ''}`;
}
