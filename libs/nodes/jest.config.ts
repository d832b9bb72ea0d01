export default {
  displayName: 'nodes',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
