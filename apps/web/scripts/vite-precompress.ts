// Vite plugin: after the build, writes a .br and a .gz next to every text asset of dist, so the
// API's static handler (sirv with `brotli: true, gzip: true`) sends them without compressing per
// request. A variant is written only when it is smaller than the file (a cold load fetches dozens
// of sub-kilobyte chunks: compressing those too matters).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Plugin } from 'vite';

const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|txt|map|webmanifest)$/;

function* files(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else yield full;
  }
}

export function precompress(): Plugin {
  let outDir = 'dist';
  return {
    name: 'gatehouse-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      for (const file of files(outDir)) {
        if (!COMPRESSIBLE.test(file)) continue;
        const body = fs.readFileSync(file);
        const gz = zlib.gzipSync(body, { level: 9 });
        const br = zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
        if (gz.length < body.length) fs.writeFileSync(`${file}.gz`, gz);
        if (br.length < body.length) fs.writeFileSync(`${file}.br`, br);
      }
    },
  };
}
