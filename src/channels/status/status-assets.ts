/**
 * The status page's files, in assets/: the page template (status-page.html), the stylesheet (status.css) and
 * the browser script (status-client.ts), each read once per process. They are separate files so the page can
 * run under a strict Content-Security-Policy (no inline script or style), and real ones so they are typed,
 * linted and readable.
 *
 * The browser script is TypeScript, type-checked for the browser by assets/tsconfig.json in `npm test`, and
 * transpiled to an ES2017 script with esbuild. `npm run build` does that once (build-status-assets.ts writes
 * status.js, the page and the stylesheet to dist/src/channels/status/assets/), so a compiled server reads
 * ready files and never loads esbuild; under tsx (development, tests) the script is transpiled on first use.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../package-root';

/** The files of the status page, as they are served. */
export const STATUS_ASSET_FILES = ['status-page.html', 'status.css'] as const;
/** The transpiled browser script's file name in a build. */
const BUILT_SCRIPT = 'status.js';

/** Where the sources are: the package's src/ tree (the same from src/ and from dist/src/). */
const SOURCE_DIR = path.join(PACKAGE_ROOT, 'src', 'channels', 'status', 'assets');
/** Beside this module: the sources under tsx, the built files under dist/. */
const BESIDE_DIR = path.join(__dirname, 'assets');

const cache = new Map<string, string>();

/** An asset file's text (read once): the built copy when there is one, else the source. */
export function readStatusAsset(file: (typeof STATUS_ASSET_FILES)[number]): string {
  let text = cache.get(file);
  if (text === undefined) {
    const beside = path.join(BESIDE_DIR, file);
    text = readFileSync(existsSync(beside) ? beside : path.join(SOURCE_DIR, file), 'utf8');
    cache.set(file, text);
  }
  return text;
}

/** The browser script (/assets/status.js): the build's status.js, or status-client.ts transpiled now (once). */
export function statusClientScript(): string {
  let code = cache.get(BUILT_SCRIPT);
  if (code === undefined) {
    const built = path.join(BESIDE_DIR, BUILT_SCRIPT);
    code = existsSync(built) ? readFileSync(built, 'utf8') : transpileStatusClient();
    cache.set(BUILT_SCRIPT, code);
  }
  return code;
}

/** status-client.ts as one self-contained ES2017 script (its imports are types only, and erased). */
export function transpileStatusClient(): string {
  const file = 'status-client.ts';
  const source = readFileSync(path.join(SOURCE_DIR, file), 'utf8');
  // Loaded here only: a compiled server serves the prebuilt script and never pays for esbuild at start-up.
  const { transformSync } = require('esbuild') as typeof import('esbuild');
  return transformSync(source, {
    loader: 'ts',
    format: 'iife',
    target: 'es2017',
    sourcefile: file,
    tsconfigRaw: { compilerOptions: { alwaysStrict: true } },
    legalComments: 'none',
  }).code;
}

/** Writes the served files (page, stylesheet, transpiled script) to `outDir`, for a build. */
export function writeBuiltStatusAssets(outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const file of STATUS_ASSET_FILES) {
    writeFileSync(path.join(outDir, file), readFileSync(path.join(SOURCE_DIR, file), 'utf8'));
    written.push(file);
  }
  writeFileSync(path.join(outDir, BUILT_SCRIPT), transpileStatusClient());
  written.push(BUILT_SCRIPT);
  return written;
}
