#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The last screen of "make": the kernel and its choices, the verdicts of
# the demonstration and of KUnit (a line a suite), where the exported
# series and the logs are.

. "$(dirname "$0")/lib.sh"

config=$OBJ/.config
results=$FLAVOR_DIR/results-demo.tsv
[ -f "$config" ] && [ -f "$results" ] || die "no demonstration to sum up: run make demo"
opt() {
	local v
	v=$(sed -n "s/^$1=//p" "$config")
	echo "$1=${v:-n}"
}
rel() { realpath --relative-to="$PWD" "$1"; }

echo
echo "== summary"
echo "kernel:  linux $(cat "$OBJ/include/config/kernel.release") ($FLAVOR)," \
	"$(rel "$FLAVOR_DIR/$KIMAGE")"
echo "config:  $(opt CONFIG_MMU_NOTIFIER_SLEEPABLE) $(opt CONFIG_DEBUG_MMU_NOTIFIER)" \
	"$(opt CONFIG_PROVE_LOCKING) $(opt CONFIG_KASAN)"
awk -F'\t' '$1 == "demo" { print "demo:    " $3 ": " $2 }' "$results"
awk -F'\t' '$1 ~ /^kunit/ {
		s = $1; sub(/^kunit: /, "", s)
		if (!(s in n)) order[k++] = s
		n[s]++; if ($3 == "PASS") p[s]++
	}
	END {
		for (i = 0; i < k; i++)
			printf "kunit:   %-28s %3d of %3d passed\n", order[i], p[order[i]], n[order[i]]
	}' "$results"
if [ -f "$BUILD/series/series" ]; then
	echo "series:  $(grep -c . "$BUILD/series/series") mails and a cover letter in" \
		"$(rel "$BUILD/series")/ (git am, or quilt: QUILT_PATCHES=$(rel "$BUILD/series") quilt push -a)"
fi
echo "logs:    $(rel "$FLAVOR_DIR/console-demo.log") (console)," \
	"$(rel "$FLAVOR_DIR/kunit-demo.txt") (KUnit), $(rel "$FLAVOR_DIR/demo.tsv") (demonstration)"
echo "next:    make check (the suites on both builds, about 15 min warm)"
