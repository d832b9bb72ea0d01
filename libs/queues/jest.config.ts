export default {
  displayName: 'queues',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
