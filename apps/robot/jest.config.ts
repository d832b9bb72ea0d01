export default {
  displayName: 'robot',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
