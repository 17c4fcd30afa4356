/**
 * Layers import only downward (DESIGN.md): specs/model imports nothing else of the
 * project; specs, state and providers never import the engine; engine/run, which every
 * face shares, imports no face (engine/cli, engine/serve). Read from the sources'
 * import statements, so a new upward import fails the test command.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../cli/harness.js';

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(REPO, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** The project folders (relative to the repository) each file of `dir` imports from. */
function importsOf(dir: string): { file: string; target: string }[] {
  const out: { file: string; target: string }[] = [];
  for (const file of sources(dir)) {
    const text = readFileSync(join(REPO, file), 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = relative(REPO, resolve(dirname(join(REPO, file)), m[1]!)).split(sep).join('/');
      out.push({ file, target });
    }
  }
  return out;
}

describe('layers import only downward', () => {
  it.each([
    { reason: 'specs/model imports nothing else of the project', dir: 'specs/model', allowed: (t: string) => t.startsWith('specs/model/') },
    { reason: 'specs (the language) does not import the engine, state or providers', dir: 'specs', allowed: (t: string) => t.startsWith('specs/') },
    { reason: 'state imports only specs (its model)', dir: 'state', allowed: (t: string) => t.startsWith('state/') || t.startsWith('specs/') },
    { reason: 'providers import only specs and themselves', dir: 'providers', allowed: (t: string) => t.startsWith('providers/') || t.startsWith('specs/') },
    {
      reason: 'runs (engine/run) are shared by every face, so they import none: not the CLI, not the HTTP API',
      dir: 'engine/run',
      allowed: (t: string) => !t.startsWith('engine/cli/') && !t.startsWith('engine/serve/'),
    },
  ])('$reason', ({ dir, allowed }) => {
    const upward = importsOf(dir).filter((i) => !allowed(i.target)).map((i) => `${i.file} imports ${i.target}`);
    expect(upward).toEqual([]);
  });
});
