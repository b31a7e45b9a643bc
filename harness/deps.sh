#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the harness needs and the machine lacks (Debian 12 packages,
# without recommends), then check that every command, file and module the
# harness and the kernel build use is there.
#
#   deps.sh         make, make check, make check-debug, make compat
#   deps.sh bench   and make bench's plot
#   deps.sh arm64   and make check ARCH=arm64: the cross compiler, its
#                   static libc, qemu-system-aarch64, and the arm64 build
#                   of busybox-static (fetched with apt-get download into
#                   the cache: it cannot be installed beside the host's;
#                   the arm64 package lists go to a folder of their own)
#   deps.sh matrix  and make matrix: the cross compilers of its configs
#                   (i386 and UML build with the host's gcc)
#   deps.sh ci      only what .ci/run needs on its host (harness/chroot.sh:
#                   the rest is installed in the root it makes)
#
# Each entry is a package and what is used of it: a command (looked up on
# PATH), a file (/path), a python module (py:NAME) or a perl module
# (pl:NAME). A package installed without what the harness uses fails here,
# by name, instead of deep in a build (depmod missing only warns, rsync
# missing stops headers_install half-way, python3-yaml missing fails
# htmldocs).
set -euo pipefail

# The packages, by name: apt-get installs these. The table below says
# what the harness uses of each, and every package of it must be here.
pkgs=(linux-source-6.12 xz-utils build-essential make gcc gcc-12 binutils
      libc6-dev bc bison flex libelf-dev libssl-dev ccache rsync kmod cpio
      patch git quilt perl python3 python3-sphinx python3-yaml
      qemu-system-x86 qemu-system-data busybox-static coreutils findutils
      grep sed mawk diffutils tar liburcu-dev)
need=(
	# The kernel: Debian's 6.12 source (bookworm-security), unpacked by
	# lib.sh; xz unpacks it and compresses bzImage (CONFIG_KERNEL_XZ).
	"linux-source-6.12 /usr/src/linux-source-6.12.tar.xz"
	"xz-utils xz"
	# Compiler and make; the static libc of the guest's test binaries.
	"build-essential /usr/share/build-essential/essential-packages-list"
	"make make"
	"gcc gcc"
	"gcc-12 gcc-12"
	"binutils ld objcopy"
	"libc6-dev /usr/lib/x86_64-linux-gnu/libc.a"
	"bc bc"
	"bison bison"
	"flex flex"
	# objtool (CONFIG_OBJTOOL), and sign-file and the certs of compat's
	# allmodconfig.
	"libelf-dev /usr/include/gelf.h"
	"libssl-dev /usr/include/openssl/evp.h"
	"ccache ccache"
	# The userspace VMA tests (tools/testing/vma) link with liburcu.
	"liburcu-dev /usr/include/x86_64-linux-gnu/urcu/urcu.h"
	# headers_install and the kselftest install copy with rsync.
	"rsync rsync"
	# modules_install runs depmod; the initramfs is a cpio archive.
	"kmod depmod"
	"cpio cpio"
	# tree.sh and export.sh apply the series; export.sh commits it.
	"patch patch"
	"git git"
	# The mails double as a quilt series (README).
	"quilt quilt"
	# checkpatch and kernel-doc; perl-base alone lacks these modules.
	"perl perl pl:Term::ANSIColor pl:Encode pl:Pod::Usage"
	# The harness's scripts and the kernel's kunit.py parse.
	"python3 python3 py:argparse py:json py:statistics py:subprocess py:tempfile py:unittest py:dataclasses py:concurrent.futures"
	# make htmldocs: Sphinx with conf.py's theme (alabaster), and yaml
	# for tools/net/ynl/ynl-gen-rst.py, which every htmldocs runs.
	"python3-sphinx sphinx-build debpy:sphinx debpy:docutils debpy:alabaster"
	"python3-yaml py:yaml"
	# The guest: QEMU, and busybox as its whole userland (copied as is,
	# so it must be the static build).
	"qemu-system-x86 qemu-system-x86_64"
	# kunit.py --arch=x86_64 boots its kernel with qboot.
	"qemu-system-data /usr/share/qemu/qboot.rom"
	"busybox-static /bin/busybox"
	# Essential packages, listed for the check: the harness runs these.
	"coreutils timeout sha1sum stat realpath mktemp nproc tee"
	"findutils find"
	"grep grep"
	"sed sed"
	"mawk awk"
	"diffutils cmp"
	"tar tar"
)
case "${1:-}" in
# make bench draws its plot with matplotlib.
bench) pkgs+=(python3-matplotlib)
       need+=("python3-matplotlib debpy:matplotlib") ;;
# harness/chroot.sh makes a Debian 12 root and clones into it.
ci) pkgs=(git debootstrap debian-archive-keyring util-linux mount)
    need=("git git"
	  "debootstrap debootstrap"
	  "debian-archive-keyring /usr/share/keyrings/debian-archive-keyring.gpg"
	  "util-linux unshare flock"
	  "mount mount umount") ;;
arm64) pkgs+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm)
       need+=("gcc-aarch64-linux-gnu aarch64-linux-gnu-gcc"
	      "libc6-dev-arm64-cross /usr/aarch64-linux-gnu/lib/libc.a"
	      "qemu-system-arm qemu-system-aarch64") ;;
matrix) pkgs+=(gcc-aarch64-linux-gnu gcc-powerpc64le-linux-gnu gcc-s390x-linux-gnu
		gcc-riscv64-linux-gnu)
	need+=("gcc-aarch64-linux-gnu aarch64-linux-gnu-gcc"
	       "gcc-powerpc64le-linux-gnu powerpc64le-linux-gnu-gcc"
	       "gcc-s390x-linux-gnu s390x-linux-gnu-gcc"
	       "gcc-riscv64-linux-gnu riscv64-linux-gnu-gcc") ;;
'') ;;
*) echo "usage: deps.sh [bench|ci|arm64|matrix]" >&2; exit 2 ;;
esac

# Every package the table checks is one apt-get installs.
for e in "${need[@]}"; do
	[[ " ${pkgs[*]} " == *" ${e%% *} "* ]] ||
		{ echo "error: harness/deps.sh: ${e%% *} is checked but not in pkgs" >&2; exit 2; }
done
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	sudo=
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null || {
			echo "error: harness/deps.sh: missing Debian packages: ${missing[*]}" >&2
			echo "error: this user is not root and sudo is not installed: install them as root" \
				"(apt-get install --no-install-recommends ${missing[*]}), or install sudo" >&2
			exit 1
		}
		sudo=sudo
	fi
	echo "==> installing: ${missing[*]}" >&2
	# sudo resets the environment: the frontend goes through env.
	apt=(env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Use-Pty=0)
	[ -z "$sudo" ] || apt=("$sudo" "${apt[@]}")
	# A source that cannot be reached fails the update, not necessarily
	# the install: the install's own error names what it could not get.
	"${apt[@]}" -qq update || echo "warning: apt-get update failed, installing anyway" >&2
	"${apt[@]}" install -qq --no-install-recommends "${missing[@]}" >/dev/null || {
		echo "error: apt-get could not install: ${missing[*]}" >&2
		echo "error: linux-source-6.12 comes from bookworm-security (deb.debian.org/debian-security)," \
			"the rest from bookworm main" >&2
		exit 1
	}
fi

# What each package must provide. depmod and friends live in /sbin, which
# the kernel's depmod.sh adds to PATH itself.
bad=()
declare -A py_of=() debpy_of=() pl_of=()
for e in "${need[@]}"; do
	read -r -a w <<< "$e"
	p=${w[0]}
	for it in "${w[@]:1}"; do
		case "$it" in
		py:*) py_of[${it#py:}]=$p ;;
		debpy:*) debpy_of[${it#debpy:}]=$p ;;
		pl:*) pl_of[${it#pl:}]=$p ;;
		/*) [ -e "$it" ] || bad+=("$p: no $it") ;;
		*) PATH=$PATH:/usr/sbin:/sbin command -v "$it" >/dev/null ||
			bad+=("$p: no command '$it' on PATH") ;;
		esac
	done
done
# unimportable PYTHON MODULE...: the modules PYTHON cannot import, one a line.
unimportable() {
	"$@" <<-'EOF'
		import importlib, sys
		for m in sys.argv[1:]:
		    try:
		        importlib.import_module(m)
		    except Exception:
		        print(m)
		EOF
}
# py: the python3 on PATH (the harness's scripts, kunit.py and the
# kernel's "#!/usr/bin/env python3" tools); debpy: Debian's own, which
# sphinx-build and make bench run.
if [ ${#py_of[@]} -gt 0 ] && py=$(command -v python3); then
	[ "$py" = /usr/bin/python3 ] || in=" ($py, not Debian's)"
	while read -r m; do
		bad+=("${py_of[$m]}: python3${in:-} cannot import $m")
	done < <(unimportable python3 - "${!py_of[@]}")
fi
if [ ${#debpy_of[@]} -gt 0 ] && [ -x /usr/bin/python3 ]; then
	while read -r m; do
		bad+=("${debpy_of[$m]}: /usr/bin/python3 cannot import $m")
	done < <(unimportable /usr/bin/python3 - "${!debpy_of[@]}")
fi
if [ ${#pl_of[@]} -gt 0 ] && command -v perl >/dev/null; then
	while read -r m; do
		bad+=("${pl_of[$m]}: perl cannot load $m")
	done < <(perl -e 'for (@ARGV) { eval "require $_; 1" or print "$_\n" }' "${!pl_of[@]}")
fi
if [ ${#bad[@]} -gt 0 ]; then
	echo "error: harness/deps.sh: the harness cannot run without:" >&2
	printf '  %s\n' "${bad[@]}" >&2
	echo "error: install (or repair) those Debian packages; a command that is installed but" \
		"not found needs its folder on PATH" >&2
	exit 1
fi

# The arm64 guest's userland: Debian's busybox-static for arm64, the same
# version as the host's, unpacked into the cache once. apt-get download
# reads arm64 package lists of the machine's own sources, fetched into a
# folder of their own: the machine's dpkg and apt state stay as they are.
if [ "${1:-}" = arm64 ]; then
	cache=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmu-notifier}
	bb=$cache/arm64/busybox
	want=$(dpkg-query -W -f='${Version}' busybox-static)
	if [ "$(cat "$bb.version" 2>/dev/null)" != "$want" ]; then
		tmp=$(mktemp -d)
		trap 'rm -rf "$tmp"' EXIT
		mkdir -p "$tmp/lists/partial" "$tmp/deb"
		# apt drops root for its _apt user, who must write there.
		chown -R _apt "$tmp/lists" "$tmp/deb" 2>/dev/null || chmod -R 777 "$tmp/lists" "$tmp/deb"
		chmod 755 "$tmp"
		aptl=(apt-get -q -q -o Dir::State::Lists="$tmp/lists"
		      -o APT::Architecture=arm64 -o APT::Architectures::=arm64
		      -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
		echo "==> fetching busybox-static:arm64 $want" >&2
		"${aptl[@]}" update >/dev/null ||
			echo "warning: apt-get update of the arm64 lists failed, fetching anyway" >&2
		(cd "$tmp/deb" && "${aptl[@]}" download "busybox-static=$want") || {
			echo "error: apt-get download busybox-static:arm64=$want failed" \
				"(it comes from bookworm main, as the host's)" >&2
			exit 1
		}
		dpkg-deb -x "$tmp"/deb/busybox-static_*_arm64.deb "$tmp/x"
		# An ELF file for EM_AARCH64 (183 = 0xb7 at offset 18).
		[ "$(od -An -tx1 -j18 -N1 "$tmp/x/bin/busybox" | tr -d ' ')" = b7 ] ||
			{ echo "error: the busybox of busybox-static:arm64 is not an arm64 program" >&2; exit 1; }
		mkdir -p "$cache/arm64"
		cp "$tmp/x/bin/busybox" "$bb"
		echo "$want" > "$bb.version"
	fi
fi
