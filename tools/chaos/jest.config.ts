export default {
  displayName: 'tools-chaos',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
