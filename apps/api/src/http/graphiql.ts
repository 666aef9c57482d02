import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import type { GraphiQLOptions } from 'graphql-yoga';

/** URL prefix of GraphiQL's own files (bundle, stylesheet, editor workers, init script). */
export const GRAPHIQL_ASSETS = '/graphiql/';

/** The prebuilt GraphiQL of the installed @graphql-yoga/graphiql package (the same UI yoga loads from unpkg by default). */
const PACKAGE_DIST = path.join(path.dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json')), 'dist');
const INIT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'graphiql');

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * yoga's `renderGraphiQL`: a page that loads only files of this origin and has no inline script
 * (its options travel in a data attribute), so it runs under the same strict CSP as the SPA.
 */
export function renderGraphiQL(options: GraphiQLOptions): string {
  const title = escapeHtml(options.title ?? 'GraphiQL');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${GRAPHIQL_ASSETS}graphiql.css">
<script defer src="${GRAPHIQL_ASSETS}yoga-graphiql.umd.js"></script>
<script defer src="${GRAPHIQL_ASSETS}init.js"></script>
</head>
<body id="body" class="no-focus-outline">
<noscript>GraphiQL needs JavaScript.</noscript>
<div id="root" data-assets="${GRAPHIQL_ASSETS}" data-options="${escapeHtml(JSON.stringify(options))}"></div>
</body>
</html>
`;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Serves GraphiQL's files under GRAPHIQL_ASSETS; anything else there is a 404. */
export function graphiqlAssets(): Handler {
  const options = { etag: true, dev: false, setHeaders: (res: http.ServerResponse) => res.setHeader('cache-control', 'no-cache') };
  const packageFiles = sirv(PACKAGE_DIST, options);
  const ownFiles = fs.existsSync(INIT_DIR) ? sirv(INIT_DIR, options) : undefined;
  return (req, res) => {
    // sirv answers synchronously (the file is piped afterwards), so the rewritten URL is restored at once.
    const original = req.url!;
    req.url = `/${original.slice(GRAPHIQL_ASSETS.length)}`;
    try {
      packageFiles(req, res, () => (ownFiles ? ownFiles(req, res, () => notFound(res)) : notFound(res)));
    } finally {
      req.url = original;
    }
  };
}

export function notFound(res: http.ServerResponse) {
  res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ error: 'Not found' }));
}
