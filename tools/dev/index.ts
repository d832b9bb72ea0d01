export {
  startTestPlatform,
  type ApiResponse,
  type JobEventView,
  type PlatformOptions,
  type TestPlatform,
} from './platform';
export {
  ALL_SERVICES,
  REPO_ROOT,
  startServiceProcess,
  putSecret,
  startStack,
  type RunningStack,
  type ServiceName,
  type ServiceProcess,
  type StackOptions,
  type StartServiceOptions,
} from './stack';
export {
  DEMO_PASSWORD,
  DEMO_WORKFLOW_FILE,
  QUEUE_DEMO,
  demoVariables,
  runDemoJob,
  runQueueDemo,
  waitForJob,
  type JobResult,
  type QueueDemoItem,
} from './demo';
export { CONSOLE_DIST, ensureConsoleBuild } from './console-build';
export { gatewayHeaders, type StackAuth, type TokenRequest } from './auth';
