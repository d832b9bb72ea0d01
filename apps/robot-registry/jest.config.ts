export default {
  displayName: 'robot-registry',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
