/**
 * How `netfirst exec` gets a command into a linux-provider VM: the VM's network
 * namespace (`ip netns exec`), then fresh mount, PID, UTS and IPC namespaces (util-linux
 * `unshare`), then the fixed script vm-enter.sh, which mounts the VM's root
 * (vm-root.ts), pivots into it and runs the command with a reduced capability set. The
 * command is an argument array from end to end: no shell ever parses it.
 *
 * The command starts with a clean environment (enterEnvironment): nothing of the
 * operator's — NETFIRST_TOKEN, a provider's keys, a tenant's secret — reaches the VM.
 */
import { fileURLToPath } from 'node:url';
import { commandLine } from './exec.js';

/** The fixed helper; its text is never generated. */
export const ENTER_SCRIPT = fileURLToPath(new URL('./vm-enter.sh', import.meta.url));

/** The path every program of the host and the VM is looked up in. */
export const VM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The argv that runs `argv` inside the VM whose network namespace is `netns` and whose
 * root directory is `root`. `--kill-child`: if netfirst dies, the VM's command dies too
 * (nothing is left running in a namespace nobody watches).
 */
export function enterVmArgv(netns: string, root: string, argv: readonly string[]): string[] {
  if (argv.length === 0) throw new Error('enterVmArgv: no command');
  return commandLine('unshare', [
    '--mount', '--pid', '--uts', '--ipc', '--fork', '--kill-child', '--propagation', 'private',
    '--', 'sh', ENTER_SCRIPT, root, '--', ...argv,
  ], netns);
}

/** The command's environment: a path, root's home, and the terminal's type and language. */
export function enterEnvironment(from: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: VM_PATH, HOME: '/root', USER: 'root', LOGNAME: 'root' };
  for (const key of ['TERM', 'LANG', 'LC_ALL'] as const) {
    const value = from[key];
    if (value !== undefined && value !== '') env[key] = value;
  }
  return env;
}
