/**
 * The package's root folder (the one holding package.json), found from any module's folder. Files that are
 * not TypeScript (locales/, the status page's assets, deploy/) are found from here, so the same code finds
 * them when it runs from src/ under tsx and from dist/src/ after `npm run build` (dist/ holds no package.json).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The nearest folder at or above `from` that holds package.json. */
export function findPackageRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json at or above ${from}`);
    dir = parent;
  }
}

/** The root of this package, worked out once. */
export const PACKAGE_ROOT = findPackageRoot();
