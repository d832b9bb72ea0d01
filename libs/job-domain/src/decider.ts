import { decide } from './decide';
import { evolveJob, foldJob, initialJobState } from './job-state';

/** The job's decider as one value: what `CommandHandler` (libs/event-store) loads, decides and appends with. */
export const jobDecider = {
  decide,
  evolve: evolveJob,
  fold: foldJob,
  initialState: initialJobState,
} as const;
