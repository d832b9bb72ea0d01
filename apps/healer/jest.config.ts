export default {
  displayName: 'healer',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
