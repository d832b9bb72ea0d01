export default {
  displayName: 'kv-state',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
