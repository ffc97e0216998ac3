// A small static file server for the e2e tests: serves a folder (the OHIF
// dist) on its own loopback origin, so that pages loaded from it talk to
// Tessera cross-origin. Single-page-app fallback: a path without an extension
// that names no file gets index.html. `overrides` maps paths to generated
// answers ({body, type}), e.g. /app-config.js.
import {createReadStream, statSync} from 'node:fs';
import {createServer} from 'node:http';
import {extname, join, resolve, sep} from 'node:path';

const kTypes = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

function fileAt(root, pathname) {
  const path = resolve(root, `.${pathname}`);
  if (path !== root && !path.startsWith(root + sep)) return null;
  try {
    return statSync(path).isFile() ? path : null;
  } catch {
    return null;
  }
}

// Resolves with {origin, close()} once listening on 127.0.0.1:port.
export function serveStatic({root, port, overrides = {}}) {
  const base = resolve(root);
  const server = createServer((req, res) => {
    const {pathname} = new URL(req.url, 'http://localhost');
    const override = overrides[pathname];
    if (override) {
      res.writeHead(200, {'Content-Type': override.type, 'Cache-Control': 'no-store'});
      res.end(override.body);
      return;
    }
    let decoded;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    let file = fileAt(base, decoded === '/' ? '/index.html' : decoded);
    if (!file && !extname(decoded)) file = join(base, 'index.html');
    if (!file) {
      res.writeHead(404, {'Content-Type': 'text/plain'}).end('not found');
      return;
    }
    res.writeHead(200, {'Content-Type': kTypes[extname(file)] ?? 'application/octet-stream'});
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  });
  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolveServer({
        origin: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => {
          server.closeAllConnections?.();
          server.close(() => done());
        }),
      });
    });
  });
}
