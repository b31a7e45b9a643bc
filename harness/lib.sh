# SPDX-License-Identifier: GPL-2.0
# Common settings of the harness scripts; sourced, not run.
#
# KERNEL   ours (the series applied) or stock (unpatched 6.12, plus only
#          the series entries marked "# stock": the test files)
# SLEEPABLE y (default) or n: CONFIG_MMU_NOTIFIER_SLEEPABLE of "ours"
# DEBUG    1: the debug kernel of "make check-debug" (debug.config: KASAN,
#          kmemleak, DEBUG_VM), built in $BUILD/<flavour>-debug
# ARCH     x86_64 (default) or arm64: the guest's architecture; arm64 is
#          cross-built with Debian's gcc-aarch64-linux-gnu and boots under
#          qemu-system-aarch64, in $BUILD/<flavour>-arm64
# BUILD    build folder (default: build/ in the repository)
# CACHE    where the pristine tree and ccache live, outside git
#          (default: $XDG_CACHE_HOME/mmu-notifier or ~/.cache/mmu-notifier)

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KERNEL=${KERNEL:-ours}
case "$KERNEL" in
ours|stock) ;;
*) echo "harness: KERNEL must be 'ours' or 'stock', not '$KERNEL'" >&2; exit 2 ;;
esac
BUILD=${BUILD:-$ROOT/build}
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmu-notifier}
TARBALL=${TARBALL:-/usr/src/linux-source-6.12.tar.xz}
# SLEEPABLE=n builds the patched kernel with CONFIG_MMU_NOTIFIER_SLEEPABLE
# off (spinning anon_vma locks), from the same tree, in $BUILD/ours-nosleep.
SLEEPABLE=${SLEEPABLE:-y}
case "$KERNEL/$SLEEPABLE" in
ours/y|ours/n|stock/y) ;;
stock/n) echo "harness: the stock kernel has no CONFIG_MMU_NOTIFIER_SLEEPABLE: SLEEPABLE=n needs KERNEL=ours" >&2; exit 2 ;;
*) echo "harness: SLEEPABLE must be 'y' or 'n', not '$SLEEPABLE'" >&2; exit 2 ;;
esac
FLAVOR=$KERNEL
[ "$SLEEPABLE" = n ] && FLAVOR=$KERNEL-nosleep
DEBUG=${DEBUG:-0}
case "$DEBUG" in
0|1) ;;
*) echo "harness: DEBUG must be 0 or 1, not '$DEBUG'" >&2; exit 2 ;;
esac
# The guest's architecture. ARCH is also kbuild's variable: every make of
# the kernel below is given ARCH and CROSS_COMPILE explicitly.
ARCH=${ARCH:-x86_64}
case "$ARCH" in
x86_64|x86) ARCH=x86_64 CROSS_COMPILE= KIMAGE=bzImage KIMAGE_PATH=arch/x86/boot/bzImage ;;
arm64|aarch64) ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- KIMAGE=Image
	       KIMAGE_PATH=arch/arm64/boot/Image FLAVOR=$FLAVOR-arm64 ;;
*) echo "harness: ARCH must be x86_64 or arm64, not '$ARCH'" >&2; exit 2 ;;
esac
# Last, so that report.py and the guest's init find a debug kernel by its
# "-debug" suffix: ours-nosleep-arm64-debug.
[ "$DEBUG" = 1 ] && FLAVOR=$FLAVOR-debug
export ARCH CROSS_COMPILE
# The kernel image: kbuild's target, where it lands, the name the harness
# keeps it under in $FLAVOR_DIR.
KIMAGE_TARGET=${KIMAGE_PATH##*/}
TREE_DIR=$BUILD/$KERNEL
SRC=$TREE_DIR/src
FLAVOR_DIR=$BUILD/$FLAVOR
OBJ=$FLAVOR_DIR/obj
JOBS=${JOBS:-$(($(nproc) + 1))}

export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
# Rewrite absolute paths under the build folder to relative ones, so the
# stock and the patched tree (same layout, other folder) share cache hits.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$BUILD}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
# Fixed build stamps: they keep init/version.o and friends cacheable.
export KBUILD_BUILD_USER=mmun KBUILD_BUILD_HOST=harness
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2026'

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The pristine tree unpacked from Debian's tarball, read by pristine_dir.
pristine_dir() {
	local id
	id=$(stat -c '%s %Y' "$TARBALL" 2>/dev/null) ||
		die "$TARBALL not found: install linux-source-6.12 (make deps)"
	if [ -f "$CACHE/pristine.id" ] && [ "$(head -n1 "$CACHE/pristine.id")" = "$id" ]; then
		local dir
		dir=$(sed -n 2p "$CACHE/pristine.id")
		if [ -f "$dir/Makefile" ]; then
			echo "$dir"
			return
		fi
	fi
	mkdir -p "$CACHE"
	say "unpacking $TARBALL into $CACHE (once)"
	rm -rf "$CACHE/unpack.tmp"
	mkdir "$CACHE/unpack.tmp"
	tar -C "$CACHE/unpack.tmp" -xf "$TARBALL"
	local top ver
	top=$(echo "$CACHE"/unpack.tmp/*)
	ver=$(make -s -C "$top" kernelversion 2>/dev/null) || die "cannot read the kernel version of $TARBALL"
	rm -rf "$CACHE/linux-$ver"
	mv "$top" "$CACHE/linux-$ver"
	rmdir "$CACHE/unpack.tmp"
	printf '%s\n%s\n' "$id" "$CACHE/linux-$ver" > "$CACHE/pristine.id"
	echo "$CACHE/linux-$ver"
}

# kernel_version DIR: the version a tree builds, e.g. 6.12.117
kernel_version() {
	make -s -C "$1" kernelversion
}

# series_entries FLAVOR: the series entries, one "path" a line, that the
# flavour applies, in order. Comments start with '#'; an entry whose
# comment is "stock" belongs to the stock flavour too.
series_entries() {
	local flavor=$1 line entry comment
	while IFS= read -r line || [ -n "$line" ]; do
		entry=${line%%#*}
		entry=$(echo "$entry" | awk '{print $1}')
		[ -n "$entry" ] || continue
		comment=
		case "$line" in *'#'*) comment=$(echo "${line#*#}" | awk '{print $1}') ;; esac
		if [ "$flavor" = ours ] || [ "$comment" = stock ]; then
			echo "$entry"
		fi
	done < "$ROOT/series"
}

# series_stamp PRISTINE ENTRY...: what a tree of these series entries
# depends on, as tree.sh records it in $SRC/.series-stamp.
series_stamp() {
	local pristine=$1 e
	shift
	{
		echo "$pristine $KERNEL"
		for e; do
			echo "$e"
			sha1sum < "$ROOT/$e"
		done
	} | sha1sum | cut -d' ' -f1
}

# check_stamp: what the results of a make check of $KERNEL belong to: the
# tree of its series (without a mutant), the config fragments, the
# guest's init, the scripts that build, boot and judge it, and the knobs
# of the guest. make mutants compares it with the baseline's.
check_stamp() {
	local entries
	mapfile -t entries < <(series_entries "$KERNEL")
	{
		series_stamp "$(pristine_dir)" "${entries[@]}"
		cat "$ROOT"/harness/*.config "$ROOT/harness/init" "$ROOT/harness/hmm.exclude" \
			"$ROOT"/harness/{lib,build,run,test}.sh "$ROOT/harness/report.py"
		echo "${MMUN_KVM:-} ${MMUN_APPEND:-} ${MMUN_TIMEOUT:-} ${MMUN_NODE_MEM:-} $ARCH"
	} | sha1sum | cut -d' ' -f1
}
