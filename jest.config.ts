import { getJestProjectsAsync } from '@nx/jest';

export default async () => ({
  projects: await getJestProjectsAsync(),
  // Integration suites start real servers; end-to-end suites raise this further themselves.
  testTimeout: 30_000,
});
