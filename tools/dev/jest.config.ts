export default {
  displayName: 'dev',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
