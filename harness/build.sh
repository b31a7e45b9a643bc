#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build $BUILD/$KERNEL: the kernel out of tree (tinyconfig plus the config
# fragments, with ccache), its modules and uapi headers, the static test
# binaries, and the busybox initramfs the guest boots.

. "$(dirname "$0")/lib.sh"

[ -f "$SRC/Makefile" ] || die "$SRC is missing: run harness/tree.sh first"
mkdir -p "$OBJ"
kmake() {
	make -s -C "$SRC" O="$OBJ" ARCH="$ARCH" CROSS_COMPILE="$CROSS_COMPILE" \
		CC="ccache ${CROSS_COMPILE}gcc" HOSTCC="ccache gcc" -j"$JOBS" "$@"
}

# Fragments: the harness's own, then each selftest collection's "config",
# and last the architecture's (it turns off what the architecture lacks).
# A benchmark kernel (BENCH=1) gets the same base and bench.config instead,
# alike for both flavours: no debugging, no test frameworks.
if [ "${BENCH:-0}" = 1 ]; then
	fragments=("$ROOT/harness/kernel.config" "$ROOT/harness/bench.config")
else
	fragments=("$ROOT/harness/kernel.config" "$ROOT/harness/check.config"
		   "$SRC/tools/testing/selftests/mmu_notifier/config")
	# Options of the series itself exist only in the patched tree.
	[ "$KERNEL" = ours ] && fragments+=("$ROOT/harness/ours.config")
fi
# The choice of CONFIG_MMU_NOTIFIER_SLEEPABLE, test and benchmark kernels
# alike (the stock tree has no such option).
if [ "$KERNEL" = ours ] && [ "$SLEEPABLE" = n ]; then
	fragments+=("$ROOT/harness/nosleep.config")
elif [ "$KERNEL" = ours ]; then
	fragments+=("$ROOT/harness/sleepable.config")
fi
# The debug kernel of "make check-debug": KASAN, kmemleak, DEBUG_VM.
[ "$DEBUG" = 1 ] && fragments+=("$ROOT/harness/debug.config")
fragments+=("$ROOT/harness/$ARCH.config")
[ -n "${EXTRA_CONFIG:-}" ] && fragments+=("$EXTRA_CONFIG")

say "configuring ($FLAVOR, $ARCH): tinyconfig + ${fragments[*]##*/}"
kmake tinyconfig >/dev/null
"$SRC/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" "${fragments[@]}" \
	> "$FLAVOR_DIR/merge_config.log" 2>&1 || die "merge_config failed: $FLAVOR_DIR/merge_config.log"
kmake olddefconfig
# Every symbol a fragment sets must have the value of the last fragment
# that sets it.
missing=0
declare -A want from
for f in "${fragments[@]}"; do
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*|'# CONFIG_'*' is not set') ;;
		*) continue ;;
		esac
		sym=${line#\# }; sym=${sym%%[= ]*}
		want[$sym]=$line
		from[$sym]=${f##*/}
	done < "$f"
done
for sym in "${!want[@]}"; do
	line=${want[$sym]}
	case "$line" in
	CONFIG_*=*) grep -qxF "$line" "$OBJ/.config" ;;
	*) ! grep -q "^$sym=" "$OBJ/.config" ;;
	esac || {
		echo "config: ${from[$sym]} asks for '$line', the kernel got: $(grep -E "^(# )?$sym[= ]" "$OBJ/.config" || echo unset)" >&2
		missing=1
	}
done
[ "$missing" = 0 ] || die "the config fragments could not be satisfied (a typo or a missing dependency)"

say "building the kernel ($FLAVOR) with $JOBS jobs"
kmake "$KIMAGE_TARGET" modules
kmake headers_install >/dev/null
rel=$(cat "$OBJ/include/config/kernel.release")

root=$FLAVOR_DIR/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,root,usr/bin,usr/sbin,lib/modules}
kmake modules_install INSTALL_MOD_PATH="$root" INSTALL_MOD_STRIP=1 >/dev/null

# Static test binaries. The selftest collections build with their own
# kselftest Makefiles and install the kselftest runner with them.
say "building the selftests ($FLAVOR)"
ks=$root/kselftest
LDFLAGS=-static make -s -C "$SRC/tools/testing/selftests" O="$OBJ" \
	ARCH="$ARCH" CROSS_COMPILE="$CROSS_COMPILE" TARGETS=mmu_notifier INSTALL_PATH="$ks" install >/dev/null
# The upstream HMM selftest: only hmm-tests of the mm collection, with the
# flags of its Makefile; the guest loads test_hmm the way test_hmm.sh does.
# A kernel without test_hmm (SLEEPABLE=n) leaves it out, and the guest
# says why (/etc/left-out).
if grep -q '^CONFIG_TEST_HMM=' "$OBJ/.config"; then
	mkdir -p "$ks/mm"
	st=$SRC/tools/testing/selftests
	"${CROSS_COMPILE}gcc" -static -Wall -O2 -U_FORTIFY_SOURCE -D_GNU_SOURCE= -I "$SRC" \
		-isystem "$OBJ/usr/include" -isystem "$SRC/tools/include/uapi" \
		-o "$ks/mm/hmm-tests" "$st/mm/hmm-tests.c" -lrt -lpthread -lm
	cp "$st/mm/settings" "$ks/mm/settings"
	echo "mm:hmm-tests" >> "$ks/kselftest-list.txt"
	: > "$root/etc/left-out"
elif [ "$SLEEPABLE" = n ]; then
	echo "hmm-tests: CONFIG_TEST_HMM selects HMM_MIRROR, whose users sleep in their notifiers and depend on CONFIG_MMU_NOTIFIER_SLEEPABLE" \
		> "$root/etc/left-out"
	say "left out ($FLAVOR): $(cat "$root/etc/left-out")"
else
	# A benchmark kernel runs no suite; a test kernel that lands here
	# fails its report ("no suite left out of this kernel").
	echo "hmm-tests: this kernel's config has no CONFIG_TEST_HMM" > "$root/etc/left-out"
fi
"${CROSS_COMPILE}gcc" -static -Wall -O2 -o "$root/usr/bin/timeout" "$ROOT/harness/timeout.c"

# busybox, the init script and the harness's exclusions. The arm64 guest
# gets the arm64 build of the same Debian package (deps.sh arm64 fetches
# it), so the host's busybox lists the applets of both.
if [ "$ARCH" = arm64 ]; then
	cp "$CACHE/arm64/busybox" "$root/bin/busybox"
else
	cp /bin/busybox "$root/bin/busybox"
fi
for applet in $(/bin/busybox --list-full); do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
install -m 0755 "$ROOT/harness/init" "$root/init"
grep -v '^#' "$ROOT/harness/hmm.exclude" | awk 'NF {print $1, $2}' > "$root/etc/hmm.exclude"
echo "$FLAVOR" > "$root/etc/flavor"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$FLAVOR_DIR/initramfs.cpio"
cp "$OBJ/$KIMAGE_PATH" "$FLAVOR_DIR/$KIMAGE"
say "built linux $rel ($FLAVOR): $FLAVOR_DIR/$KIMAGE, initramfs $(du -h "$FLAVOR_DIR/initramfs.cpio" | cut -f1)"
