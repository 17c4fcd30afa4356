/**
 * What the tests on a real git repository share: whether git is there, git and the
 * netfirst CLI run in a work tree with an environment of the test's own (no global git
 * configuration, a fixed author), as a pipeline runs them.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO, type Run } from './harness.js';

export const gitMissing = spawnSync('git', ['--version']).error !== undefined;

/** git in `cwd`; throws with git's message when it fails. */
export function runGit(cwd: string, env: NodeJS.ProcessEnv, args: readonly string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.net', '-c', 'init.defaultBranch=main', ...args], { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The real CLI (bin/netfirst.js) in `cwd`. */
export function runNetfirst(cwd: string, env: NodeJS.ProcessEnv, args: readonly string[]): Run {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'netfirst.js'), ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
