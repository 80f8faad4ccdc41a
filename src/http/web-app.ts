/**
 * Serves the web view built into web/dist (scripts/build-web.ts): `/`, `/new`
 * and `/discussions/<id>` get index.html, `/assets/…` the hashed bundle files,
 * each as the brotli or gzip copy the browser accepts. Files are read once, at
 * start-up; anything else falls through to the API.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};
const APP_ROUTES = /^\/(?:new|discussions\/[^/]+)?\/?$/;
// The page loads only its own scripts and styles and talks only to its own origin (HTTP and WebSocket).
const CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

interface Asset {
  type: string;
  identity: Buffer;
  gzip: Buffer | undefined;
  br: Buffer | undefined;
  immutable: boolean;
}

function load(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    const file = join(entry.parentPath, entry.name);
    const type = TYPES[extname(entry.name)];
    if (!entry.isFile() || type === undefined) continue;
    const compressed = (suffix: string) => (existsSync(`${file}${suffix}`) ? readFileSync(`${file}${suffix}`) : undefined);
    const path = `/${relative(root, file).split(sep).join('/')}`;
    assets.set(path, {
      type,
      identity: readFileSync(file),
      gzip: compressed('.gz'),
      br: compressed('.br'),
      immutable: path.startsWith('/assets/'),
    });
  }
  return assets;
}

/** br, then gzip, then the file as it is; a q=0 refuses an encoding. */
function pickEncoding(acceptEncoding: string | undefined, asset: Asset): 'br' | 'gzip' | undefined {
  const accepted = new Set(
    (acceptEncoding ?? '')
      .split(',')
      .map((part) => part.trim().split(';'))
      .filter(([, q]) => q === undefined || !/^q=0(?:\.0*)?$/.test(q.trim()))
      .map(([name]) => name?.trim().toLowerCase()),
  );
  if (asset.br && accepted.has('br')) return 'br';
  if (asset.gzip && accepted.has('gzip')) return 'gzip';
  return undefined;
}

export interface WebApp {
  /** Whether the web view was built; without it, `/` says how to build it. */
  readonly built: boolean;
  /** Answers the request and returns true when it is the web view's; false lets the API answer. */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
}

export function createWebApp(root: string = WEB_DIST): WebApp {
  const built = existsSync(join(root, 'index.html'));
  const assets = built ? load(root) : new Map<string, Asset>();
  return {
    built,
    handle(request, response) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return false;
      // A request target URL cannot parse (`//[`) is not a page of ours: the API answers it.
      const path = URL.parse(request.url ?? '/', 'http://web')?.pathname;
      if (path === undefined) return false;
      const isPage = APP_ROUTES.test(path);
      const asset = assets.get(isPage ? '/index.html' : path);
      if (!asset) {
        if (!isPage || built) return false;
        response
          .writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
          .end('The web view is not built: run `npm run build:web` (npm start does it when its build tools are installed).\n');
        return true;
      }
      const encoding = pickEncoding(request.headers['accept-encoding'], asset);
      const body = encoding === 'br' ? asset.br : encoding === 'gzip' ? asset.gzip : asset.identity;
      response.writeHead(200, {
        'content-type': asset.type,
        'content-length': body?.length ?? 0,
        vary: 'accept-encoding',
        'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        ...(encoding ? { 'content-encoding': encoding } : {}),
        ...(asset.type.startsWith('text/html') ? { 'content-security-policy': CSP } : {}),
      });
      response.end(request.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}
