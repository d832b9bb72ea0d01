export {
  evolveJob,
  foldJob,
  initialJobState,
  isTerminal,
  type JobPhase,
  type JobState,
  type StepRecord,
} from './job-state';
