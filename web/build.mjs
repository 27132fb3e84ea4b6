// Builds the app once (the CMake target `web` runs this after `npm ci`): esbuild bundles src/ with
// MQTT.js and uPlot into app.js + app.css, the static files are copied, the service worker gets the
// list of files and a version, and the first load's compressed size is measured and kept under
// 300 KB (written to size.json). Offline: everything comes from node_modules.
//   node build.mjs [--outdir DIR]      (default: dist)
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const at = process.argv.indexOf('--outdir');
const outdir = resolve(at > 0 ? process.argv[at + 1] : join(here, 'dist'));
const BUDGET = 300 * 1024;

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: { app: join(here, 'src/main.js') },
  bundle: true, minify: true, format: 'esm', platform: 'browser', target: ['chrome100', 'firefox100', 'safari15'],
  outdir, legalComments: 'none', logLevel: 'warning',
});
for (const f of readdirSync(join(here, 'static'))) {
  if (f !== 'sw.js') cpSync(join(here, 'static', f), join(outdir, f));
}
const shell = ['./', 'index.html', 'app.js', 'app.css', 'manifest.webmanifest', 'icon.svg'];
const hash = createHash('sha256');
for (const f of shell.slice(1)) hash.update(readFileSync(join(outdir, f)));
const version = hash.digest('hex').slice(0, 12);
writeFileSync(join(outdir, 'sw.js'), readFileSync(join(here, 'static/sw.js'), 'utf8')
  .replace('__VERSION__', version).replace('__FILES__', JSON.stringify(shell)));

// tapmqd's http_dir sends FILE.gz when it exists and the client accepts gzip: compress once here.
for (const f of ['app.js', 'app.css']) writeFileSync(join(outdir, `${f}.gz`), gzipSync(readFileSync(join(outdir, f)), { level: 9 }));

const sizes = {};
let total = 0;
for (const f of shell.slice(1)) {
  const raw = readFileSync(join(outdir, f));
  const gz = gzipSync(raw, { level: 9 }).length;
  sizes[f] = { bytes: raw.length, gzip: gz };
  total += gz;
}
writeFileSync(join(outdir, 'size.json'), JSON.stringify({ version, first_load_gzip: total, budget: BUDGET, files: sizes }, null, 2) + '\n');
console.log(`web: built ${outdir} (version ${version}); first load ${(total / 1024).toFixed(1)} KB gzip of ${BUDGET / 1024} KB allowed`);
if (total > BUDGET) {
  console.error(`web: the first load is ${total} bytes compressed, over the ${BUDGET} budget: trim the bundle`);
  process.exit(1);
}
