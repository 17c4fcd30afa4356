/**
 * The console's static files, all shipped in the package (no CDN: the console works
 * offline): its stylesheet and script from assets/, and htmx from node_modules. Each is
 * read once, named in pages with its content hash (`?v=`), and so cached for a year.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ZodApp } from '../context.js';
import { pickEncoding } from './encoding.js';

interface Asset {
  readonly body: Buffer;
  /** Compressed once at load: the same bytes for every visitor. */
  readonly br: Buffer;
  readonly gzip: Buffer;
  readonly type: string;
  readonly hash: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const SOURCES: Record<string, { path: () => string; type: string }> = {
  'console.css': { path: () => join(here, 'assets', 'console.css'), type: 'text/css; charset=utf-8' },
  'console.js': { path: () => join(here, 'assets', 'console.js'), type: 'text/javascript; charset=utf-8' },
  'htmx.min.js': { path: () => require.resolve('htmx.org/dist/htmx.min.js'), type: 'text/javascript; charset=utf-8' },
};

let loaded: Map<string, Asset> | undefined;

function assets(): Map<string, Asset> {
  if (loaded) return loaded;
  loaded = new Map();
  for (const [name, source] of Object.entries(SOURCES)) {
    const body = readFileSync(source.path());
    loaded.set(name, { body, br: brotliCompressSync(body), gzip: gzipSync(body, { level: 9 }), type: source.type, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) });
  }
  return loaded;
}

/** The URL a page links an asset by (its hash makes a year's caching safe). */
export function assetUrl(name: keyof typeof SOURCES & string): string {
  const asset = assets().get(name);
  if (!asset) throw new Error(`console: no asset ${name}`);
  return `/assets/${name}?v=${asset.hash}`;
}

export function assetRoutes(app: ZodApp): void {
  app.get('/assets/:name', { schema: { hide: true } }, async (request, reply) => {
    const { name } = request.params as { name: string };
    const asset = assets().get(name);
    if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('no such asset');
    const etag = `"${asset.hash}"`;
    reply.header('ETag', etag).header('Cache-Control', 'public, max-age=31536000, immutable').header('Vary', 'Accept-Encoding');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    const encoding = pickEncoding(request.headers['accept-encoding']);
    if (encoding !== undefined) reply.header('Content-Encoding', encoding);
    return reply.type(asset.type).send(encoding === 'br' ? asset.br : encoding === 'gzip' ? asset.gzip : asset.body);
  });
}
