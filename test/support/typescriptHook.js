// Preloaded (`--require`) into child processes a test starts, so they run the TypeScript sources directly, compiled
// on require with the same @swc/core settings jest uses (jest.config.js): an app instance under test is the code
// under test, not a build of it.
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
