// Prints the gzip size of the SPA's initial JavaScript: the entry script of dist/index.html and
// every chunk it loads eagerly (its modulepreload links). Builds first when dist is missing or
// with --build. Exits 1 when over the budget (200 KB gzip). `--json` prints one JSON line.
//   node apps/web/scripts/bundle-size.ts [--build] [--json]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const WEB = path.resolve(import.meta.dirname, '..');
const DIST = path.join(WEB, 'dist');
const BUDGET_KB = 200;
const args = new Set(process.argv.slice(2));

if (args.has('--build') || !fs.existsSync(path.join(DIST, 'index.html'))) {
  execFileSync(process.execPath, [path.join(WEB, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: WEB, stdio: ['ignore', 'ignore', 'inherit'] });
}

const html = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
const initial = new Set<string>();
for (const m of html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)) initial.add(m[1]!);
for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) initial.add(m[1]!);

const gzip = (file: string) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
const files = [...initial].map((href) => {
  const file = path.join(DIST, href.replace(/^\//, ''));
  return { file: path.relative(DIST, file), raw: fs.statSync(file).size, gzip: gzip(file) };
});
const allJs = fs.readdirSync(path.join(DIST, 'assets')).filter((f) => f.endsWith('.js'));
const totalGzip = allJs.reduce((n, f) => n + gzip(path.join(DIST, 'assets', f)), 0);

const initialGzip = files.reduce((n, f) => n + f.gzip, 0);
const initialRaw = files.reduce((n, f) => n + f.raw, 0);
const kb = (n: number) => Math.round((n / 1024) * 10) / 10;
const ok = kb(initialGzip) <= BUDGET_KB;

if (args.has('--json')) {
  console.log(JSON.stringify({ initialJsGzipKB: kb(initialGzip), initialJsRawKB: kb(initialRaw), budgetKB: BUDGET_KB, files: files.length, allJsGzipKB: kb(totalGzip), chunks: allJs.length, ok }));
} else {
  for (const f of files.sort((a, b) => b.gzip - a.gzip)) console.log(`  ${f.file.padEnd(48)} ${String(kb(f.raw)).padStart(8)} KB  ${String(kb(f.gzip)).padStart(7)} KB gzip`);
  console.log(`initial JS: ${kb(initialGzip)} KB gzip (${kb(initialRaw)} KB raw, ${files.length} files), budget ${BUDGET_KB} KB: ${ok ? 'ok' : 'OVER BUDGET'}`);
  console.log(`all JS: ${kb(totalGzip)} KB gzip in ${allJs.length} chunks (the rest loads per route)`);
}
if (!ok) process.exitCode = 1;
