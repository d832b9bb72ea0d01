export default {
  displayName: 'e2e',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  // Each suite starts a whole platform of processes.
  setupFilesAfterEnv: ['<rootDir>/jest.setup.ts'],
};
