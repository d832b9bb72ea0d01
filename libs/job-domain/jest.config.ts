export default {
  displayName: 'job-domain',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
