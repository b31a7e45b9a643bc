#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run commands on a fresh Debian 12 machine: a minbase root made by
# debootstrap from deb.debian.org, with nothing installed but what
# harness/deps.sh installs, and a clone of this repository in
# /root/mmu-notifier. So a package that deps.sh forgets fails here, and
# not on the next fresh machine.
#
#   chroot.sh [COMMAND...]   deps.sh, then each COMMAND (bash -c) in the
#                            clone, in order; default "make" "make check"
#
# Every run unpacks the root afresh and removes it at the end. Kept in
# $CACHE/ci between runs: the debootstrap result as a tarball (made again
# when debootstrap or the mirror changes, or after CI_BASE_DAYS days,
# default 30), and the .debs apt and debootstrap fetched, bind-mounted as
# the root's /var/cache/apt/archives. The root shares the host's ccache
# (bind-mounted) and gets the pristine tree hard-linked in: tree.sh
# hard-links its copy to it, which fails across a bind mount.
#
# CI_WORKTREE=1 adds the working tree's uncommitted and untracked files to
# the clone; CI_KEEP=1 keeps the root (unmounted) for a look.

# What runs in the root: deps.sh, then each command, all of them even if
# one fails; the status says whether all passed.
# shellcheck disable=SC2016 # expanded in the root
steps='
cd /root/mmu-notifier
t=$SECONDS
bash harness/deps.sh || exit 1
echo "==> ci: deps.sh in $((SECONDS - t))s" >&2
rc=0
for c; do
	t=$SECONDS
	bash -c "$c" || rc=1
	echo "==> ci: $c in $((SECONDS - t))s" >&2
done
exit $rc'

# chroot.sh --inside ROOT APT CCACHE COMMAND...: the part in the mount
# namespace: the mounts a machine has, the caches, and the chroot.
if [ "${1:-}" = --inside ]; then
	set -eu
	r=$2 apt=$3 ccache=$4
	shift 4
	mnt=()
	trap 'for ((i = ${#mnt[@]} - 1; i >= 0; i--)); do umount -l "${mnt[i]}" || true; done' EXIT
	mount_in() { mount "$@"; mnt+=("${*: -1}"); }
	mount_in -t proc proc "$r/proc"
	mount_in -t sysfs sysfs "$r/sys"
	mount_in --bind /dev "$r/dev"
	mount_in --bind /dev/pts "$r/dev/pts"
	# Python's multiprocessing (Sphinx) needs a /dev/shm.
	mount_in -t tmpfs -o mode=1777 shm "$r/dev/shm"
	mount_in --bind "$apt" "$r/var/cache/apt/archives"
	mount_in --bind "$ccache" "$r/root/.cache/mmu-notifier/ccache"
	chroot "$r" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 TERM="${TERM:-dumb}" /bin/bash -c "$steps" ci "$@"
	exit
fi

. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	# debootstrap, mount and chroot need root.
	command -v sudo >/dev/null || die "chroot.sh needs root, and sudo is not installed"
	exec sudo env CI_WORKTREE="${CI_WORKTREE:-}" CI_KEEP="${CI_KEEP:-}" \
		CI_BASE_DAYS="${CI_BASE_DAYS:-}" CACHE="$CACHE" bash "$0" "$@"
fi
[ $# -gt 0 ] || set -- make "make check"

suite=bookworm
mirror=http://deb.debian.org/debian
ci=$CACHE/ci
t0=$SECONDS
took() { say "ci: $1 in $((SECONDS - t0))s"; t0=$SECONDS; }

bash "$ROOT/harness/deps.sh" ci
mkdir -p "$ci/apt" "$CACHE/ccache"

# mounts_under DIR: the mount points at or below DIR in this namespace.
mounts_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo
}

# The base root, made once: debootstrap minbase with neither its .debs
# (they stay in $ci/apt) nor its package lists (a fresh machine updates).
base=$ci/$suite-minbase-amd64.tar
key="$suite minbase amd64 $mirror debootstrap $(dpkg-query -W -f='${Version}' debootstrap)"
exec 9> "$ci/lock"
flock 9
if [ "$(cat "$base.key" 2>/dev/null)" != "$key" ] ||
   [ -n "$(find "$base" -mtime +"${CI_BASE_DAYS:-30}" 2>/dev/null)" ] || [ ! -f "$base" ]; then
	new=$ci/base.new
	rm -rf --one-file-system "$new"
	say "ci: debootstrap --variant=minbase $suite from $mirror"
	debootstrap --variant=minbase --arch=amd64 --cache-dir="$ci/apt" \
		"$suite" "$new" "$mirror" > "$ci/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$ci/debootstrap.log" >&2; die "debootstrap failed: $ci/debootstrap.log"; }
	[ -z "$(mounts_under "$new")" ] || die "debootstrap left mounts in $new"
	rm -f "$new"/var/cache/apt/archives/*.deb "$new"/var/lib/apt/lists/*_*
	tar -C "$new" --numeric-owner -cf "$base.tmp" .
	mv "$base.tmp" "$base"
	echo "$key" > "$base.key"
	rm -rf --one-file-system "$new"
	took "debootstrap"
fi
exec 9>&-

r=$(mktemp -d "$ci/run.XXXXXX")
cleanup() {
	local m
	m=$(mounts_under "$r")
	# Never remove a root with something mounted in it: that would
	# remove what is mounted (the ccache, /dev).
	if [ -n "$m" ]; then
		echo "error: still mounted, $r left as it is: $m" >&2
	elif [ "${CI_KEEP:-0}" = 1 ]; then
		echo "==> ci: the root is kept in $r" >&2
	else
		rm -rf --one-file-system "$r"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
tar -C "$r" --numeric-owner -xf "$base"
cat > "$r/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb http://deb.debian.org/debian-security $suite-security main
EOF
cp -L /etc/resolv.conf "$r/etc/resolv.conf"
# dpkg syncs each file it writes, which a root removed after the run need
# not; and with no init in the root, no package starts a service.
echo force-unsafe-io > "$r/etc/dpkg/dpkg.cfg.d/ci-unsafe-io"
printf '#!/bin/sh\nexit 101\n' > "$r/usr/sbin/policy-rc.d"
chmod 755 "$r/usr/sbin/policy-rc.d"
took "unpacking the root"

# The repository: a clone, as CI has it.
src=$r/root/mmu-notifier
git clone -q "$ROOT" "$src"
if [ "${CI_WORKTREE:-0}" = 1 ]; then
	git -C "$ROOT" ls-files -z -d | (cd "$src" && xargs -0r rm -f)
	git -C "$ROOT" ls-files -z -mo --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$ROOT/$f" ] && printf '%s\0' "$f"; done |
		tar -C "$ROOT" --null -T - -cf - | tar -C "$src" -xf -
elif [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ]; then
	say "ci: uncommitted changes of $ROOT are not in the clone (CI_WORKTREE=1 adds them)"
fi

# The pristine tree, if the host has one: lib.sh checks its id against the
# root's own tarball and unpacks that afresh if they differ.
rcache=$r/root/.cache/mmu-notifier
mkdir -p "$rcache/ccache"
p=
if [ -f "$CACHE/pristine.id" ] && p=$(sed -n 2p "$CACHE/pristine.id") && [ -f "$p/Makefile" ] &&
   cp -al "$p" "$rcache/" 2>/dev/null; then
	printf '%s\n%s\n' "$(head -n1 "$CACHE/pristine.id")" "/root/.cache/mmu-notifier/${p##*/}" \
		> "$rcache/pristine.id"
elif [ -n "$p" ]; then
	rm -rf "${rcache:?}/${p##*/}"
fi
took "the clone and the pristine tree"

# In a mount namespace of its own, whose mounts go when it ends.
unshare --mount --propagation private bash "$ROOT/harness/chroot.sh" --inside "$r" "$ci/apt" "$CACHE/ccache" "$@"
