// The root settings, except that `html` tagged templates are left alone: Prettier's
// HTML formatter would rewrite the served markup that robots and tests depend on.
const fs = require('node:fs');
const path = require('node:path');

module.exports = {
  ...JSON.parse(fs.readFileSync(path.join(__dirname, '../../.prettierrc'), 'utf8')),
  embeddedLanguageFormatting: 'off',
};
