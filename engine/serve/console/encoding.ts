/**
 * Content encoding of console responses: br, else gzip, when the browser takes it. A
 * tenant's topology and resource table run to hundreds of KB of text and a tenth of
 * that compressed; answers under 1 KB go as they are.
 */
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

/** br, else gzip, when the Accept-Encoding header names it (with a q above 0). */
export function pickEncoding(header: string | string[] | undefined): 'br' | 'gzip' | undefined {
  const text = Array.isArray(header) ? header.join(',') : header ?? '';
  const accepted = new Set(text.split(',').map((part) => part.trim().split(';')).filter(([, q]) => q === undefined || !/^\s*q=0(\.0*)?\s*$/.test(q)).map(([name]) => name!.trim().toLowerCase()));
  return accepted.has('br') ? 'br' : accepted.has('gzip') ? 'gzip' : undefined;
}

/** The body to send for an Accept-Encoding header, and its Content-Encoding. */
export function compressFor(body: Buffer, acceptEncoding: string | string[] | undefined): { encoding?: 'br' | 'gzip'; body: Buffer } {
  const encoding = body.length < 1024 ? undefined : pickEncoding(acceptEncoding);
  // Quality 4: most of brotli's gain at a few ms for a page of a few hundred KB.
  if (encoding === 'br') return { encoding, body: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } }) };
  if (encoding === 'gzip') return { encoding, body: gzipSync(body, { level: 6 }) };
  return { body };
}
