export default {
  displayName: 'vault',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
