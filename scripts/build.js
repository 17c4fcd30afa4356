#!/usr/bin/env node
/**
 * `npm run build` (and `prepare`, so `npm install` of a clone builds): transpiles every
 * .ts/.tsx of engine, providers, specs and state to dist/ in the same layout, one file
 * each — no bundling, so a command's `await import()` stays lazy and the `.js`
 * specifiers of the sources resolve as they are. Other files beside the sources
 * (console assets, the load worker's boot, vm-enter.sh) are copied: modules read them
 * relative to their own URL. tsc stays the type checker; this only strips types.
 *
 * Safe to run while the CLI runs from dist/ (tests build as they start): a file is
 * written only when its content changes, through a rename, and the stamp last — until
 * it is written, bin/netfirst.js finds dist/ stale and runs the sources through tsx.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SOURCE_ROOTS, STAMP } from './dist-stamp.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** esbuild as tsx ships it (a dependency of tsx, so present wherever tsx is, hoisted or not). */
function loadEsbuild() {
  const fromTsx = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));
  return fromTsx('esbuild');
}

const isSource = (name) => /\.tsx?$/.test(name) && !name.endsWith('.d.ts') && !/\.test\.tsx?$/.test(name);

/** Every file under the source roots, relative to `root`, with `/` separators. */
function inputFiles(root) {
  const files = [];
  for (const top of SOURCE_ROOTS) {
    for (const entry of readdirSync(join(root, top), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) files.push(relative(root, join(entry.parentPath ?? entry.path, entry.name)).split(sep).join('/'));
    }
  }
  return files.sort();
}

/** Writes `bytes` to `path` unless it holds them already; a reader never sees half a file. */
function writeIfChanged(path, bytes, mode) {
  let same = false;
  try {
    same = readFileSync(path).equals(bytes);
  } catch {
    // not there yet
  }
  if (!same) {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    if (mode !== undefined) chmodSync(tmp, mode);
    renameSync(tmp, path);
  } else if (mode !== undefined && (statSync(path).mode & 0o777) !== (mode & 0o777)) {
    chmodSync(path, mode);
  }
  return !same;
}

/**
 * Builds dist/ under `root`.
 * @returns {Promise<{ modules: number, copied: number, written: number, removed: number, ms: number }>}
 */
export async function build(root = ROOT) {
  const started = performance.now();
  const dist = join(root, 'dist');
  const files = inputFiles(root);
  // Each input's mtime is taken before it is read: an edit from now on makes dist/ stale.
  const inputs = Object.fromEntries(files.map((f) => [f, statSync(join(root, f)).mtimeMs]));
  const sources = files.filter((f) => isSource(f));
  const others = files.filter((f) => !/\.tsx?$/.test(f));

  const esbuild = loadEsbuild();
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: sources,
    outdir: dist,
    outbase: '.',
    bundle: false,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    tsconfig: join(root, 'tsconfig.json'),
    jsx: 'automatic',
    jsxImportSource: 'preact',
    // Linked maps: free unless asked for (node --enable-source-maps maps traces to the .ts).
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'silent',
  });
  for (const warning of result.warnings) process.stderr.write(`build: warning: ${warning.text}${warning.location ? ` (${warning.location.file}:${warning.location.line})` : ''}\n`);

  const outputs = new Set();
  let written = 0;
  for (const out of result.outputFiles) {
    outputs.add(out.path);
    if (writeIfChanged(out.path, Buffer.from(out.contents))) written++;
  }
  for (const f of others) {
    const to = join(dist, f);
    outputs.add(to);
    if (writeIfChanged(to, readFileSync(join(root, f)), statSync(join(root, f)).mode & 0o777)) written++;
  }

  // What no source makes any more (a module deleted or renamed) goes, so nothing can import it.
  let removed = 0;
  const stampPath = join(dist, STAMP);
  for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath ?? entry.path, entry.name);
    if (entry.isFile() && path !== stampPath && !outputs.has(path) && !path.endsWith('.tmp')) {
      rmSync(path, { force: true });
      removed++;
    }
  }

  writeIfChanged(stampPath, Buffer.from(`${JSON.stringify({ inputs }, null, 1)}\n`));
  return { modules: sources.length, copied: others.length, written, removed, ms: Math.round(performance.now() - started) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const r = await build();
    process.stdout.write(`netfirst: built dist/ (${r.modules} modules, ${r.copied} files copied; ${r.written} written, ${r.removed} removed) in ${r.ms} ms\n`);
  } catch (error) {
    // esbuild's own errors name file, line and column.
    const errors = error?.errors ?? [];
    for (const e of errors) process.stderr.write(`build: ${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ''}${e.text}\n`);
    if (errors.length === 0) process.stderr.write(`build: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
