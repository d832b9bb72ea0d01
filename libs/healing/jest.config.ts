export default {
  displayName: 'healing',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
