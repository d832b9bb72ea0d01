export default {
  displayName: 'dispatcher',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
