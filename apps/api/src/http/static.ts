import fs from 'node:fs';
import type http from 'node:http';
import sirv from 'sirv';
import { notFound } from './graphiql.ts';

const FALLBACK_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gatehouse</title></head>
<body><h1>Gatehouse</h1><p>The API is running at <a href="/graphql">/graphql</a>. Build the SPA with <code>pnpm build</code>.</p></body></html>
`;

/**
 * The built SPA (apps/web/dist) through sirv: only files found under `dir` when the server starts
 * are ever served (a lookup in that list, so no path can climb out of it), with ETags,
 * precompressed .br/.gz variants when present, immutable caching for Vite's hashed /assets/, and
 * index.html for client-side routes (paths without a file extension). A missing asset is a 404,
 * never index.html.
 */
export function spaHandler(builtDir: string): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  // GATEHOUSE_WEB_DIST: another build of the SPA (the browser tests build into a directory of their own).
  const dir = process.env.GATEHOUSE_WEB_DIST ?? builtDir;
  if (!fs.existsSync(`${dir}/index.html`)) {
    return (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : FALLBACK_PAGE);
    };
  }
  const serve = sirv(dir, {
    dev: false,
    etag: true,
    single: true,
    gzip: true,
    brotli: true,
    setHeaders: (res, pathname) => {
      res.setHeader('cache-control', pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return (req, res) => {
    // A file listed at start but gone since (a rebuild replaced dist) would make sirv's read stream
    // fail with nobody listening: answer 404 instead.
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return notFound(res);
    }
    if (pathname.startsWith('/assets/') && !pathname.includes('..') && !pathname.includes('\0') && !fs.existsSync(`${dir}${pathname}`)) return notFound(res);
    serve(req, res, () => notFound(res));
  };
}
