export default {
  displayName: 'read-api',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
