#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What a reviewer runs before reading the series, each as a check of
# make check (rows of report.py's results, in $FLAVOR_DIR/review-results.tsv):
#
# - scripts/checkpatch.pl --strict on every exported mail: 0 errors,
#   0 warnings and 0 checks;
# - scripts/kernel-doc -none -Wall on every C file and header the series
#   owns, and a kernel-doc comment for every symbol they export;
# - the documentation build of Documentation/mm (make htmldocs
#   SPHINXDIRS=mm): no warning or error about the series' files;
# - git am of the mails on the base commit of the cover letter gives the
#   tree of tree.sh, byte for byte (harness/gitam.sh);
# - every patch, made again from the tree it applies to, is the file as it
#   is (harness/refresh.sh --check);
# - the userspace VMA tests that mm maintainers run on every change of
#   mm/vma.c: make -C tools/testing/vma builds and ./vma passes every test
#   (in a copy of the tree, which is left as it was; needs liburcu-dev);
# - kunit.py run --kunitconfig=mm/.kunitconfig (harness/kunit.sh): every
#   case of the core's KUnit suites passes, and the kernel log has no
#   report but the warnings the cases announce.

. "$(dirname "$0")/lib.sh"

results=$FLAVOR_DIR/review-results.tsv
mkdir -p "$FLAVOR_DIR"
printf 'review\tthe review checks\tFAIL\t%s\n' \
	"harness/review.sh stopped before it finished" > "$results"
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" >> "$rows"; }

[ -f "$SRC/Makefile" ] || die "$SRC is missing: run harness/tree.sh first"

# not_maintained MAIL: the files MAIL adds that no F: line of the series'
# MAINTAINERS entry covers (a directory line covers what is below it).
not_maintained() {
	local f pat covered
	mapfile -t pats < <(sed -n '/^MEMORY MANAGEMENT - MMU NOTIFIERS$/,/^$/s/^F:[[:space:]]*//p' \
		"$SRC/MAINTAINERS")
	[ ${#pats[@]} -gt 0 ] || { echo "no MAINTAINERS entry"; return 0; }
	grep -B1 '^new file mode' "$1" | sed -n 's|^diff --git a/\([^ ]*\) .*|\1|p' |
	while read -r f; do
		covered=
		for pat in "${pats[@]}"; do
			case "$pat" in
			*/) [[ "$f" == "$pat"* ]] && covered=1 ;;
			*) [ "$f" = "$pat" ] && covered=1 ;;
			esac
		done
		[ -n "$covered" ] || echo "$f"
	done
}

# checkpatch, mail by mail: the patches that export.sh lists in its quilt
# series file (the cover letter is no patch).
bash "$ROOT/harness/export.sh" >/dev/null 2>&1 ||
	die "harness/export.sh failed: run it for its message"
while read -r name; do
	mail=$BUILD/series/$name
	out=$(cd "$SRC" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict \
		--no-tree --no-color --show-types "$mail" 2>&1) || true
	total=$(echo "$out" | grep -E '^total: ' | tail -n1)
	kinds=$(echo "$out" | sed -n 's/^\(ERROR\|WARNING\|CHECK\):\([A-Z_]*\):.*/\2/p' | sort -u)
	if [[ "$total" =~ ^total:\ 0\ errors,\ 0\ warnings,\ 0\ checks ]]; then
		row "review: checkpatch --strict" "$name" PASS
	elif [[ "$total" =~ ^total:\ 0\ errors,\ 1\ warnings,\ 0\ checks ]] &&
	     [ "$kinds" = FILE_PATH_CHANGES ] && uncovered=$(not_maintained "$mail") &&
	     [ -z "$uncovered" ]; then
		# "added file(s), does MAINTAINERS need updating?": checked here
		# instead: the entry of the series covers every file it adds.
		row "review: checkpatch --strict" "$name" PASS \
			"FILE_PATH_CHANGES only, and MAINTAINERS covers each added file"
	else
		row "review: checkpatch --strict" "$name" FAIL \
			"${total:-no total}; $(echo "$out" | grep -E '^(ERROR|WARNING|CHECK):' | head -n3 | tr '\n' ' ')"
	fi
done < "$BUILD/series/series"

# git am of the mails, and every patch made again: a row from each script.
script_row() {
	local suite=$1 out
	shift
	out=$(bash "$@" 2>/dev/null) || true
	if [ -n "$out" ]; then
		echo "$out" >> "$rows"
	else
		row "$suite" "${*#"$ROOT/"}" FAIL "no result: run it for its message"
	fi
}
script_row "review: git am" "$ROOT/harness/gitam.sh"
script_row "review: refresh" "$ROOT/harness/refresh.sh" --check

# The userspace VMA tests: tools/testing/vma builds mm/vma.c against its
# stubs of the rest of the kernel and runs its cases. They build in a copy
# that shares the tree's files but for tools/testing/vma, the folder that
# make writes, so that $SRC stays as tree.sh laid it out.
vma_row() {
	local suite="review: tools/testing/vma" w vma out last err log rc=0
	local name="make -C tools/testing/vma builds and ./vma passes every test"
	# Beside $SRC, for the hard links.
	w=$FLAVOR_DIR/vma-tests
	vma=$w/src/tools/testing/vma
	log=$w.log
	rm -rf "$w"
	mkdir -p "$w"
	cp -al "$SRC" "$w/src"
	rm -rf "$vma"
	cp -a "$SRC/tools/testing/vma" "$vma"
	# Its make reads BUILD (32: a 32-bit build), which is ours here.
	{ env -u BUILD make -C "$vma" clean && env -u BUILD make -C "$vma" -j"$JOBS"; } \
		> "$log" 2>&1 || rc=$?
	if [ $rc != 0 ]; then
		err=$(grep -E 'error|undefined reference' "$log" | head -n2 | tr '\n' ' ' || true)
		case "$err" in *urcu*) err+="(liburcu-dev installed?) " ;; esac
		row "$suite" "$name" FAIL "make failed: ${err:-see $log}"
		rm -rf "$w"
		return
	fi
	out=$(cd "$vma" && ./vma 2>&1) || rc=$?
	printf '%s\n' "$out" >> "$log"
	last=$(tail -n1 <<< "$out")
	# Every case passed, none failed, and the sanitizers reported nothing
	# (UBSAN reports without failing the run).
	if [ $rc = 0 ] && [[ "$last" =~ ^([0-9]+)\ tests\ run,\ ([0-9]+)\ passed,\ 0\ failed\.$ ]] &&
	   [ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] &&
	   ! grep -qE 'runtime error|Sanitizer' <<< "$out"; then
		row "$suite" "$name" PASS "$last"
	else
		row "$suite" "$name" FAIL "./vma exited $rc: $(grep -E 'FAIL|runtime error|Sanitizer|tests run' <<< "$out" |
			head -n2 | tr '\n' ' ' || true)"
	fi
	rm -rf "$w"
}
vma_row

# kernel-doc: the C files and headers the series owns (whole files).
mapfile -t owned < <(series_entries ours | grep -E '\.[ch]$' |
	grep -v '^tools/' | sort -u)
for f in "${owned[@]}"; do
	out=$(cd "$SRC" && scripts/kernel-doc -none -Wall "$f" 2>&1) || true
	if [ -z "$out" ]; then
		row "review: kernel-doc" "$f" PASS
	else
		row "review: kernel-doc" "$f" FAIL "$(echo "$out" | head -n2 | tr '\n' ' ')"
	fi
done
# Every symbol exported by a file of the core has kernel-doc.
for f in mm/mmu_notifier.c mm/mmu_notifier_debug.c; do
	missing=()
	for sym in $(sed -n 's/^EXPORT_SYMBOL\(_GPL\)\?(\([a-z_0-9]*\));/\2/p' "$SRC/$f"); do
		grep -qE "^ \* $sym(\(\))? - " "$SRC/$f" || missing+=("$sym")
	done
	if [ ${#missing[@]} = 0 ]; then
		row "review: kernel-doc" "$f: every exported symbol documented" PASS
	else
		row "review: kernel-doc" "$f: every exported symbol documented" FAIL \
			"no kernel-doc: ${missing[*]}"
	fi
done

# The documentation build, for the directory of the design document.
docs=$BUILD/docs
log=$docs/htmldocs.log
html=$docs/Documentation/output/mm/mmu_notifier.html
check="Documentation/mm builds with no warning about mmu_notifier"
mkdir -p "$docs"
say "review: make htmldocs SPHINXDIRS=mm (log: $log)"
if ! make -s -C "$SRC" O="$docs" SPHINXDIRS=mm htmldocs > "$log" 2>&1; then
	row "review: docs" "$check" FAIL "make htmldocs failed: $(tail -n2 "$log" | tr '\n' ' ')"
# Only what is about the series' files counts; the rest of mm/ is 6.12's own.
elif bad=$(grep -iE 'warning|error' "$log" | grep -E 'mmu_notifier'); then
	row "review: docs" "$check" FAIL "$(echo "$bad" | head -n2 | tr '\n' ' ')"
elif ! grep -qs 'mmu_interval_read_begin' "$html"; then
	row "review: docs" "$check" FAIL "no mm/mmu_notifier.html with the interface's kernel-doc"
else
	row "review: docs" "$check" PASS
fi

# The KUnit suites as a kernel developer runs them: kunit.py run
# --kunitconfig=mm/.kunitconfig, outside the guest (harness/kunit.sh).
bash "$ROOT/harness/kunit.sh" >&2 || true
cat "$FLAVOR_DIR/kunit-results.tsv" >> "$rows" 2>/dev/null ||
	row "review: kunit.py" "harness/kunit.sh" FAIL "no $FLAVOR_DIR/kunit-results.tsv"

mv "$rows" "$results"
trap - EXIT
say "review: $(grep -c $'\tPASS\t' "$results") passed, $(grep -c $'\tFAIL\t' "$results") failed"
