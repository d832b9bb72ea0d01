import { getJestProjectsAsync } from '@nx/jest';

export default async () => ({
  projects: await getJestProjectsAsync(),
  // Global options (the test timeout) come from the preset every project uses.
  preset: './jest.preset.js',
});
