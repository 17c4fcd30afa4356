# netfirst: enter a linux-provider VM and run one command in it.
#
#   sh vm-enter.sh ROOT -- COMMAND [ARGS...]
#
# Runs as PID 1 of a fresh PID namespace, in a fresh private mount namespace (plus UTS
# and IPC), already inside the VM's network namespace: providers/linux/vm-enter.ts builds
# `ip netns exec NS unshare --mount --pid --uts --ipc --fork --propagation private -- sh
# vm-enter.sh ROOT -- ARGV`. Every mount below lands in that private namespace only and
# disappears with it: the host's mount table never changes.
#
# This text is fixed: nothing from a spec or a user is ever written into it. ROOT (a
# directory netfirst made, providers/linux/vm-root.ts) and the command arrive as
# arguments and are only ever used quoted ("$root", "$@"), never parsed by a shell.
#
# The directory lists mirror providers/linux/vm-root.ts (WRITABLE_DIRS, HOST_DIRS); a
# test pins that they agree.
set -eu
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

fail() {
  echo "netfirst: cannot enter the VM: $1" >&2
  exit 125
}
# A real directory, not a symlink: a mount never follows a path the VM could have bent.
real_dir() { [ -d "$1" ] && [ ! -L "$1" ]; }

[ "$#" -ge 3 ] && [ "$2" = -- ] || fail "usage: vm-enter.sh ROOT -- COMMAND [ARGS...]"
root=$1
shift 2
real_dir "$root" || fail "its root directory is missing"

# The root's top level is netfirst's and read-only for the VM, so its mount points stay
# what netfirst made them; the VM writes only in its own writable directories.
mount --bind "$root" "$root"
mount -o remount,bind,ro,nosuid,nodev "$root"
for d in etc root home tmp var run opt srv mnt; do
  real_dir "$root/$d" || fail "its /$d is missing"
  mount --bind -o nosuid,nodev "$root/$d" "$root/$d"
done

# The host's programs and libraries, read-only. On a merged-/usr host bin, sbin and lib*
# are symlinks into usr in the VM's root too, and need no mount.
real_dir "$root/usr" || fail "its /usr mount point is missing"
mount --bind -o ro,nosuid,nodev /usr "$root/usr"
for d in bin sbin lib lib32 lib64 libx32; do
  if real_dir "$root/$d" && [ -d "/$d" ]; then
    mount --bind -o ro,nosuid,nodev "/$d" "$root/$d"
  fi
done

# A small /dev: the harmless character devices only (no disks, no /dev/mem).
real_dir "$root/dev" || fail "its /dev mount point is missing"
mount -t tmpfs -o mode=755,nosuid,noexec,size=64k netfirst-dev "$root/dev"
for n in null zero full random urandom tty; do
  : >"$root/dev/$n"
  mount --bind "/dev/$n" "$root/dev/$n"
done
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mount -o remount,bind,ro,nosuid,noexec "$root/dev"

# /proc of the new PID namespace: the VM's processes only. What of it reaches the host
# kernel as a whole (sysctls such as kernel.core_pattern, sysrq) is read-only or masked.
real_dir "$root/proc" || fail "its /proc mount point is missing"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
for d in sys bus fs irq acpi scsi asound; do
  if real_dir "$root/proc/$d"; then mount --bind -o ro,nosuid,nodev,noexec "$root/proc/$d" "$root/proc/$d"; fi
done
for f in sysrq-trigger kcore keys timer_list sched_debug latency_stats; do
  if [ -e "$root/proc/$f" ]; then mount --bind /dev/null "$root/proc/$f"; fi
done

# The VM's root becomes / and the host's whole tree is detached from this namespace.
cd "$root"
pivot_root . .
umount -l .
cd /
hostname -F /etc/hostname 2>/dev/null || true
cd /root

# The command, without the capabilities that reach past the VM: no mount, no
# chroot/pivot, no mknod, no module, raw I/O, ptrace or open_by_handle. It keeps what a
# VM's root uses on its own files and its own network namespace. Not exec'd: this shell
# stays PID 1, so the command gets ordinary signal handling (Ctrl-C stops it).
set +e
setpriv --no-new-privs --inh-caps=-all \
  --bounding-set=-all,+chown,+dac_override,+fowner,+fsetid,+kill,+setgid,+setuid,+net_bind_service,+net_raw,+net_admin,+audit_write \
  -- "$@"
exit $?
