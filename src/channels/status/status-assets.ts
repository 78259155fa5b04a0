/**
 * The status page's files, in assets/: the page template (status-page.html), the stylesheet (status.css) and
 * the browser script (status-client.ts), each read once per process. They are separate files so the page can
 * run under a strict Content-Security-Policy (no inline script or style), and real ones so they are typed,
 * linted and readable.
 *
 * The browser script is TypeScript, type-checked for the browser by assets/tsconfig.json in `npm test`, and
 * transpiled here to an ES2017 script with esbuild (a runtime dependency, the same version tsx runs on).
 *
 * Where the files are: beside this module under assets/, which is what `npm start` runs. `npm run build` (tsc)
 * emits JavaScript only, to dist/src/channels/status/, and copies no other file; a server started from there
 * finds no assets/ beside it and reads them from the source tree, which dist/ mirrors from the repository root.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { transformSync } from 'esbuild';

/** The asset files' folder: beside this module, or, for a build in dist/, the source tree it mirrors. */
const STATUS_ASSETS_DIR = locateAssets();

const cache = new Map<string, string>();

/** An asset file's text (read once). */
export function readStatusAsset(file: 'status-page.html' | 'status.css'): string {
  let text = cache.get(file);
  if (text === undefined) {
    text = readFileSync(path.join(STATUS_ASSETS_DIR, file), 'utf8');
    cache.set(file, text);
  }
  return text;
}

/** The browser script (/assets/status.js): status-client.ts transpiled to an ES2017 script (once). */
export function statusClientScript(): string {
  const file = 'status-client.ts';
  let code = cache.get(file);
  if (code === undefined) {
    const source = readFileSync(path.join(STATUS_ASSETS_DIR, file), 'utf8');
    code = transformSync(source, {
      loader: 'ts',
      // One self-contained script (its imports are types only, and erased), strict as the module it was.
      format: 'iife',
      target: 'es2017',
      sourcefile: file,
      tsconfigRaw: { compilerOptions: { alwaysStrict: true } },
      legalComments: 'none',
    }).code;
    cache.set(file, code);
  }
  return code;
}

function locateAssets(): string {
  const beside = path.join(__dirname, 'assets');
  if (existsSync(path.join(beside, 'status.css'))) return beside;
  // dist/src/channels/status -> the repository root, four folders up -> src/channels/status/assets.
  const inSources = path.resolve(__dirname, '..', '..', '..', '..', 'src', 'channels', 'status', 'assets');
  if (existsSync(path.join(inSources, 'status.css'))) return inSources;
  throw new Error(`the status page's assets are neither in ${beside} nor in ${inSources}`);
}
