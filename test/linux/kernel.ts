/**
 * What the linux provider's tests need of this machine, and why they skip when it is
 * missing: Linux, root (namespaces), `ip netns` and nftables; `exec` also needs
 * util-linux's unshare, setpriv and pivot_root.
 */
import { spawnSync } from 'node:child_process';

export function kernelUnavailable(options: { readonly exec?: boolean } = {}): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return options.exec ? 'not root (network, mount and PID namespaces need CAP_SYS_ADMIN)' : 'not root (network namespaces need CAP_NET_ADMIN)';
  if (spawnSync('ip', ['netns', 'list']).status !== 0) return '`ip netns` is not available';
  if (spawnSync('nft', ['--version']).status !== 0) return 'nftables (nft) is not installed';
  if (options.exec) for (const tool of ['unshare', 'setpriv', 'pivot_root']) if (spawnSync(tool, ['--version']).status !== 0) return `util-linux ${tool} is not installed`;
  return undefined;
}
