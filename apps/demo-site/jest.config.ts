export default {
  displayName: 'demo-site',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
