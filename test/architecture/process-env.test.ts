/**
 * Only src/config.ts reads the environment: every other module, command-line entry points included, gets
 * its settings from `loadConfig()`, so each variable is validated and documented in one place. The check
 * parses the code (comments and strings that mention `process.env` do not count).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');
const SCANNED_FOLDERS = ['src', 'dialogs', 'scripts', 'bench'];
const ALLOWED = new Set(['src/config.ts']);

/** `line:column` of every read of the environment in one file's source. */
function environmentReads(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const reads: string[] = [];
  const at = (node: ts.Node): void => {
    const { line, character } = file.getLineAndCharacterOfPosition(node.getStart(file));
    reads.push(`${line + 1}:${character + 1}`);
  };
  // `process`, and the local names of `import proc from 'node:process'` or `import * as proc from 'process'`.
  const processNames = new Set(['process']);
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !isProcessModule(statement.moduleSpecifier)) continue;
    const clause = statement.importClause;
    if (clause?.name) processNames.add(clause.name.text);
    if (clause?.namedBindings && ts.isNamespaceImport(clause.namedBindings)) processNames.add(clause.namedBindings.name.text);
  }
  const isProcess = (node: ts.Node): boolean =>
    (ts.isIdentifier(node) && processNames.has(node.text)) ||
    // globalThis.process, global.process
    (ts.isPropertyAccessExpression(node) && node.name.text === 'process' && ts.isIdentifier(node.expression));
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && node.name.text === 'env' && isProcess(node.expression)) at(node);
    if (
      ts.isElementAccessExpression(node) &&
      isProcess(node.expression) &&
      ts.isStringLiteralLike(node.argumentExpression) &&
      node.argumentExpression.text === 'env'
    ) {
      at(node);
    }
    // const { env } = process
    if (ts.isVariableDeclaration(node) && node.initializer && isProcess(node.initializer) && ts.isObjectBindingPattern(node.name)) {
      const names = node.name.elements.map((element) => (element.propertyName ?? element.name).getText(file));
      if (names.includes('env')) at(node);
    }
    // import { env } from 'node:process'
    if (ts.isImportDeclaration(node) && isProcessModule(node.moduleSpecifier)) {
      const bindings = node.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings) && bindings.elements.some((e) => (e.propertyName ?? e.name).text === 'env')) at(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return reads;
}

function isProcessModule(specifier: ts.Expression): boolean {
  return ts.isStringLiteral(specifier) && (specifier.text === 'process' || specifier.text === 'node:process');
}

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(?:ts|js|mjs|cjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

describe('process.env', () => {
  it('is read nowhere but src/config.ts', () => {
    const files = SCANNED_FOLDERS.flatMap(sourceFiles);
    expect(files).toContain('src/config.ts');
    expect(files).toContain('scripts/teams-package.ts');
    const offenders = files
      .filter((file) => !ALLOWED.has(file))
      .flatMap((file) => environmentReads(file, readFileSync(path.join(ROOT, file), 'utf8')).map((where) => `${file}:${where}`));
    expect(offenders).toEqual([]);
  });

  it('still sees src/config.ts read it, so the scan is not blind', () => {
    expect(environmentReads('src/config.ts', readFileSync(path.join(ROOT, 'src/config.ts'), 'utf8')).length).toBeGreaterThan(0);
  });

  it.each([
    ['a property read', 'const port = process.env.PORT;'],
    ['an index read', "const port = process.env['PORT'];"],
    ['the whole environment', 'spawn(cmd, { env: { ...process.env, PORT: "1" } });'],
    ['an element access', "const env = process['env'];"],
    ['globalThis', 'const port = globalThis.process.env.PORT;'],
    ['destructuring', 'const { env } = process;'],
    ['a renamed destructuring', 'const { env: vars } = process;'],
    ['an import from node:process', "import { env } from 'node:process';"],
    ['a namespace import of process', "import * as proc from 'process';\nconst port = proc.env.PORT;"],
    ['a default import of node:process', "import proc from 'node:process';\nconst port = proc.env.PORT;"],
  ])('catches %s', (_what, source) => {
    expect(environmentReads('fixture.ts', source)).toHaveLength(1);
  });

  it('does not count words about process.env in comments and strings', () => {
    const source = [
      '/** Only src/config.ts reads `process.env`. */',
      '// process.env.PORT is read elsewhere',
      "const hint = 'set process.env.PORT';",
      'const other = { env: 1 }.env;',
      'const argv = process.argv;',
      "import { argv as args } from 'node:process';",
    ].join('\n');
    expect(environmentReads('fixture.ts', source)).toEqual([]);
  });
});
