/**
 * `npm run build`'s second step (`node dist/src/channels/status/build-status-assets.js`): writes the status
 * page's served files beside the compiled status-assets.js, so a compiled server needs neither esbuild nor
 * src/ at run time.
 */
import path from 'node:path';
import { writeBuiltStatusAssets } from './status-assets';

if (require.main === module) {
  const outDir = path.join(__dirname, 'assets');
  const written = writeBuiltStatusAssets(outDir);
  process.stdout.write(`status assets: ${written.join(', ')} -> ${path.relative(process.cwd(), outDir)}\n`);
}
