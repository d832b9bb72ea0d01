export default {
  displayName: 'queue-domain',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
