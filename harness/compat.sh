#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Compile every in-tree user of the MMU notifier interface against
# $BUILD/$KERNEL/src, for x86_64 with allmodconfig (which enables them all,
# with -Werror). The users are found by grep, so a new one is never missed;
# one that only builds for another architecture must be listed, with its
# reason, in harness/compat.arch.

. "$(dirname "$0")/lib.sh"

# One result a user, in the format of report.py's results (read by it).
# Until the real results replace it, the file says the check did not finish,
# so a run that stops early counts as a failure, not as nothing.
results=$FLAVOR_DIR/compat-results.tsv
mkdir -p "$FLAVOR_DIR"
printf 'compat: x86_64\tcompile check\tFAIL\t%s\n' \
	"harness/compat.sh stopped before it finished" > "$results"

[ -f "$SRC/Makefile" ] || die "$SRC is missing: run harness/tree.sh first"
cobj=$FLAVOR_DIR/compat-x86_64
mkdir -p "$cobj"
# x86_64 whatever the guest's ARCH (lib.sh exports kbuild's ARCH and
# CROSS_COMPILE for the guest); make matrix compiles the other
# architectures.
cmake() {
	make -s -C "$SRC" O="$cobj" ARCH=x86_64 CROSS_COMPILE= CC="ccache gcc" \
		HOSTCC="ccache gcc" -j"$JOBS" "$@"
}

say "compat ($KERNEL): allmodconfig for x86_64"
cmake allmodconfig >/dev/null
cmake prepare >/dev/null 2>&1 || { cmake prepare; die "make prepare failed"; }

# The users of the interface, and the C files the series adds or patches
# (a call site it changes need not name the interface).
mapfile -t users < <({
	(cd "$SRC" && grep -rlE \
	'\bmmu_(interval_)?notifier_[a-z_]+\(|\bmmu_interval_read_(begin|retry)\b|struct mmu_(interval_)?notifier(_ops)?\b' \
	--include='*.c' . | sed 's|^\./||')
	series_entries "$KERNEL" | sed -nE 's/^(.*\.c)(\.[a-z]+)?(\.patch)?$/\1/p'
	} | grep -v -e '^mm/mmu_notifier\.c$' -e '^tools/' | LC_ALL=C sort -u)
other=$(grep -v '^#' "$ROOT/harness/compat.arch" | awk 'NF {print $1}')
# target FILE.c: the make target that compiles it. amdkfd is built as part
# of the amdgpu module, with its include paths.
target() {
	case "$1" in
	drivers/gpu/drm/amd/amdkfd/*) echo "drivers/gpu/drm/amd/amdgpu/../amdkfd/$(basename "${1%.c}").o" ;;
	*) echo "${1%.c}.o" ;;
	esac
}
objs=()
for f in "${users[@]}"; do
	grep -qxF "$f" <<< "$other" || objs+=("$(target "$f")")
done
say "compat ($KERNEL): ${#users[@]} users found, ${#objs[@]} to build for x86_64"

for o in "${objs[@]}"; do rm -f "$(realpath -m "$cobj/$o")"; done
log=$FLAVOR_DIR/compat.log
cmake -k "${objs[@]}" > "$log" 2>&1 || true

rows=$results.new
: > "$rows"
passed=0 failed=0
for o in "${objs[@]}"; do
	if [ -f "$(realpath -m "$cobj/$o")" ]; then
		passed=$((passed + 1))
		printf 'compat: x86_64\t%s\tPASS\t\n' "$o" >> "$rows"
	else
		failed=$((failed + 1))
		echo "  FAIL $o"
		printf 'compat: x86_64\t%s\tFAIL\tsee %s\n' "$o" "$log" >> "$rows"
	fi
done
mv "$rows" "$results"
if [ "$failed" -gt 0 ]; then
	echo "compiler output: $log"
	grep -E 'error|Error|No rule' "$log" | grep -v 'not remade' | sed -n 1,30p || true
fi
echo "not built for x86_64 (harness/compat.arch): $(grep -c . <<< "$other")"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
