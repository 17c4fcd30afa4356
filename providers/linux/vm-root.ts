/**
 * A linux-provider VM's root filesystem: a directory under the provider's data directory
 * (`.netfirst/linux-ZONE/vms/v<index>`), made with the VM and removed with it, that
 * `netfirst exec` makes the command's `/` (vm-enter.sh). It holds the VM's own `etc`
 * (passwd, group, a shadow whose root is locked, hostname, hosts, resolv.conf), `root`,
 * `home`, `tmp`, `var`… and empty mount points where the host's `/usr` (and `/bin`,
 * `/lib*`, `/sbin` where they are directories) are bound read-only inside the exec's
 * private mount namespace only; where the host has them as symlinks (merged /usr) the
 * root has the same symlinks.
 *
 * Invariants: the top level is written by netfirst only (the VM sees it read-only), and
 * netfirst writes inside the VM's writable directories only while building them in a
 * fresh directory of its own — never into what a VM could have turned into a symlink.
 * `vms/` is 0700, so no unprivileged user of the host reaches files a VM's root made
 * (a setuid copy of a shell, say).
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Directories the VM writes in (vm-enter.sh binds each writable over the read-only top level). */
export const WRITABLE_DIRS = ['etc', 'root', 'home', 'tmp', 'var', 'run', 'opt', 'srv', 'mnt'] as const;
/** Mount points the enter script fills in its private namespace: /dev (a small tmpfs) and /proc (the VM's PID namespace). */
export const MOUNT_POINTS = ['usr', 'dev', 'proc'] as const;
/** The host's top-level program and library directories: a symlink in the root where the host has one, else a mount point. */
export const HOST_DIRS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'] as const;

const MODES: Readonly<Record<string, number>> = { root: 0o700, tmp: 0o1777, proc: 0o555 };

/** Where VM `index` of the provider whose data directory is `providerDir` has its root. */
export function vmRootDir(providerDir: string, index: number): string {
  return join(providerDir, 'vms', `v${index}`);
}

/** A DNS label (what specs allow for a VM name); anything else is not written into the VM's files. */
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The VM's root at `root`, made if missing, and any top-level entry a netfirst of an
 * older layout did not make added. What the VM wrote is left as it is. `hostname`
 * (the VM's name) goes into etc/hostname and etc/hosts when it is a DNS label, else
 * `fallbackHostname` (the VM's kernel name) does.
 */
export function ensureVmRoot(root: string, hostname: string, fallbackHostname: string, hostRoot = '/'): void {
  const name = LABEL.test(hostname) ? hostname : fallbackHostname;
  const parent = join(root, '..');
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  chmodSync(parent, 0o700);
  if (!existsSync(root)) {
    // Built aside and renamed into place: a root is whole or absent, never half made.
    const fresh = mkdtempSync(`${root}.new-`);
    try {
      chmodSync(fresh, 0o755);
      fillTopLevel(fresh, name, hostRoot);
      renameSync(fresh, root);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
    return;
  }
  if (!lstatSync(root).isDirectory()) throw new Error(`${root} is not a directory`);
  fillTopLevel(root, name, hostRoot);
}

/** Removes the VM's root and everything the VM wrote in it (symlinks are removed, never followed). */
export function removeVmRoot(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/** Whether the VM's root is there (a VM without one is drift: re-creating it makes one). */
export function hasVmRoot(root: string): boolean {
  try {
    return lstatSync(root).isDirectory();
  } catch {
    return false;
  }
}

/** Adds each missing top-level entry; `etc` is built aside whole, with its files. */
function fillTopLevel(dir: string, hostname: string, hostRoot: string): void {
  const present = (entry: string): boolean => {
    try {
      lstatSync(join(dir, entry));
      return true;
    } catch {
      return false;
    }
  };
  for (const d of [...WRITABLE_DIRS, ...MOUNT_POINTS]) {
    if (present(d)) continue;
    if (d === 'etc') {
      const etc = mkdtempSync(join(dir, '.etc-'));
      try {
        chmodSync(etc, 0o755);
        writeEtc(etc, hostname, hostRoot);
        renameSync(etc, join(dir, 'etc'));
      } finally {
        rmSync(etc, { recursive: true, force: true });
      }
      continue;
    }
    mkdirSync(join(dir, d), { mode: 0o755 });
    chmodSync(join(dir, d), MODES[d] ?? 0o755);
    if (d === 'var') {
      mkdirSync(join(dir, 'var', 'tmp'));
      chmodSync(join(dir, 'var', 'tmp'), 0o1777);
    }
  }
  for (const d of HOST_DIRS) {
    if (present(d)) continue;
    const host = join(hostRoot, d);
    let stat;
    try {
      stat = lstatSync(host);
    } catch {
      continue; // this host has no /lib32, say: neither has the VM
    }
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(host), join(dir, d));
    else if (stat.isDirectory()) mkdirSync(join(dir, d), { mode: 0o755 });
  }
}

/** The VM's own account and name files: root only, with no password (locked), and nobody. */
function writeEtc(etc: string, hostname: string, hostRoot: string): void {
  const day = Math.floor(Date.now() / 86_400_000);
  const files: readonly [string, string, number][] = [
    ['passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n', 0o644],
    ['group', 'root:x:0:\nnogroup:x:65534:\n', 0o644],
    ['shadow', `root:!:${day}:0:99999:7:::\nnobody:*:${day}:0:99999:7:::\n`, 0o640],
    ['hostname', `${hostname}\n`, 0o644],
    ['hosts', `127.0.0.1\tlocalhost\n127.0.1.1\t${hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`, 0o644],
    ['resolv.conf', '# netfirst: this VM is given no resolver; add a nameserver line to use one\n', 0o644],
    ['nsswitch.conf', 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n', 0o644],
  ];
  for (const [file, text, mode] of files) writeFileSync(join(etc, file), text, { mode, flag: 'wx' });
  // Debian's /usr/bin/awk and friends are symlinks through /etc/alternatives: the VM gets
  // the same links (their targets only, never a file's content).
  const alternatives = join(hostRoot, 'etc', 'alternatives');
  mkdirSync(join(etc, 'alternatives'));
  if (existsSync(alternatives)) {
    for (const entry of readdirSync(alternatives)) {
      const from = join(alternatives, entry);
      if (lstatSync(from).isSymbolicLink()) symlinkSync(readlinkSync(from), join(etc, 'alternatives', entry));
    }
  }
}
