#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make mutants: the mutation gate. Each harness/mutants/NAME.patch breaks
# the core in one way a reviewer could miss; the suites must notice.
#
#   mutants.sh [NAME...]    every mutant, or the ones named
#
# A mutant's header says what it breaks ("Mutant:"), the build it needs
# ("Flavour: y" or "n", CONFIG_MMU_NOTIFIER_SLEEPABLE) and the kselftest
# programs of the suite that claims its area ("Tests:", as the guest's
# mmun.tests=, "none" for the KUnit suites alone; KUnit runs at every
# boot); "Arch: arm64" runs it in the arm64 guest (default: x86_64);
# "Cases: PROGRAM CASE..." lines may narrow a program to the cases
# (every variant of each) that claim it; "Killed-by: REGEX" says which
# check must be among those that fail. The series with the mutant applied
# last is built in $BUILD/mutants (incremental, with ccache) and those
# suites run in the guest. The unmutated core must pass everything first
# (the baseline: the last make check of that build in $BUILD, of this very
# tree, config and init, or one run here). A mutant is killed when any
# check fails; one that survives, is killed by another check than its
# Killed-by:, does not apply or does not build fails the run.
#
# Prints a table (mutant, build, verdict, the first check that failed,
# seconds) and writes it to $BUILD/mutants/mutants.tsv (a run of some
# mutants keeps the rows of the others), with each run's
# log and results beside it. Ends with "N killed, N survived, N did not
# apply or build".

. "$(dirname "$0")/lib.sh"

mdir=$BUILD/mutants
mkdir -p "$mdir/runs"
if [ $# -gt 0 ]; then
	names=("$@")
else
	mapfile -t names < <(cd "$ROOT/harness/mutants" && ls ./*.patch | sed 's|^\./||; s|\.patch$||')
fi
[ "${#names[@]}" -gt 0 ] || die "no mutants in harness/mutants"

# flavor_of SLEEPABLE ARCH: the flavour folder of ours, as lib.sh names it.
flavor_of() {
	local f=ours
	[ "$1" = n ] && f=$f-nosleep
	[ "$2" = arm64 ] && f=$f-arm64
	echo "$f"
}

header() { sed -n "s/^$2: //p;/^---/q" "$ROOT/harness/mutants/$1.patch" | head -n1; }

# The baseline of a build: the checks of a make check of this tree, all
# passed.
baseline() {
	local sl=$1 arch=$2 dir=$BUILD/$(flavor_of "$1" "$2")
	local res=$dir/results-check.tsv want
	want=$(ARCH=$arch; check_stamp)
	if [ ! -s "$res" ] || [ "$(cat "$dir/results-check.stamp" 2>/dev/null)" != "$want" ]; then
		say "mutants: no baseline of SLEEPABLE=$sl ARCH=$arch for this tree: running make check of it"
		KERNEL=ours SLEEPABLE=$sl ARCH=$arch COMPAT=0 REVIEW=0 bash "$ROOT/harness/test.sh" check \
			> "$mdir/baseline-$sl-$arch.log" 2>&1 || true
	fi
	[ -s "$res" ] && [ "$(cat "$dir/results-check.stamp" 2>/dev/null)" = "$want" ] ||
		die "no baseline results of SLEEPABLE=$sl ARCH=$arch: $mdir/baseline-$sl-$arch.log"
	# The review and compile checks are not the suites' business here.
	# (awk decides alone: grep -q would leave it to SIGPIPE, and pipefail
	# would make a long failure list pass.)
	if awk -F'\t' '$3 != "PASS" && $1 !~ /^(review|compat)/ { bad = 1 } END { exit !bad }' "$res"; then
		die "the baseline of SLEEPABLE=$sl has checks that did not pass ($res): fix the suite first"
	fi
	echo "$res"
}

table=$mdir/mutants.tsv
: > "$table.new"
killed=0
survived=0
errors=0
for name in "${names[@]}"; do
	patch=harness/mutants/$name.patch
	[ -f "$ROOT/$patch" ] || die "no mutant $patch"
	what=$(header "$name" Mutant)
	sl=$(header "$name" Flavour)
	arch=$(header "$name" Arch)
	arch=${arch:-x86_64}
	case "$arch" in x86_64|arm64) ;; *) die "$patch: Arch: must be x86_64 or arm64" ;; esac
	tests=$(header "$name" Tests)
	# "Cases: PROGRAM CASE..." lines narrow a program to some cases.
	cases=$(sed -n '/^---/q; s/^Cases: //p' "$ROOT/$patch" |
		awk '{ s = $1 ":" $2; for (i = 3; i <= NF; i++) s = s "+" $i; print s }' |
		paste -sd/ -)
	[ -n "$what" ] && [ -n "$tests" ] && case "$sl" in y|n) true ;; *) false ;; esac ||
		die "$patch: its header needs Mutant:, Flavour: y|n and Tests:"
	base=$(baseline "$sl" "$arch") || exit 1
	# Every program named must be one the guest has: a typo would leave
	# the mutant to KUnit alone.
	list=${base%/*}/initramfs/kselftest/kselftest-list.txt
	for t in ${tests//,/ }; do
		[ "$t" = none ] || grep -qxF "$t" "$list" ||
			die "$patch: Tests: $t is not a program of the guest ($list)"
	done
	expect=$(header "$name" Killed-by)
	flavor_dir=$mdir/$(flavor_of "$sl" "$arch")
	rm -f "$flavor_dir/results-check.tsv"
	say "mutant $name (SLEEPABLE=$sl, ARCH=$arch, tests: $tests): $what"
	t0=$(date +%s)
	MUTANT=$patch KERNEL=ours SLEEPABLE=$sl ARCH=$arch BUILD=$mdir COMPAT=0 REVIEW=0 \
		MMUN_TESTS=$tests MMUN_CASES=$cases MMUN_TIMEOUT=${MMUN_MUTANT_TIMEOUT:-$([ "$arch" = arm64 ] && echo 1200 || echo 600)} \
		bash "$ROOT/harness/test.sh" check > "$mdir/runs/$name.log" 2>&1 || true
	secs=$(( $(date +%s) - t0 ))
	out=$mdir/runs/$name
	if [ -s "$flavor_dir/results-check.tsv" ]; then
		cp "$flavor_dir/results-check.tsv" "$out.tsv"
		cp "$flavor_dir/console-check.log" "$out.console"
		# A kill is a test that failed: a KUnit case, a selftest case or
		# program, the console's kernel reports (an oops, a hang's
		# report) or its flood of refused starts. Anything else that did
		# not pass (a skip, the guest not booting, a manifest entry) is
		# the harness's, not a kill.
		kill='$3 == "FAIL" && ($1 ~ /^(kunit|kselftest)/ || $2 ~ /^(console free|refused non-blockable starts)/)'
		killer=$(awk -F'\t' "$kill"' { print $1 ": " $2; exit }' "$out.tsv")
		n=$(awk -F'\t' "$kill"' { n++ } END { print n + 0 }' "$out.tsv")
		other=$(awk -F'\t' '$3 != "PASS" && !('"$kill"') { print $1 ": " $2 " (" $3 ")"; exit }' "$out.tsv")
		if [ -n "$expect" ] && [ -n "$killer" ] &&
		   ! awk -F'\t' "$kill"' { print $1 ": " $2 }' "$out.tsv" | grep -E -- "$expect" >/dev/null; then
			verdict=WRONG
			killer="not by $expect but by $killer"
			errors=$((errors + 1))
		elif [ -z "$killer" ] && [ -n "$other" ]; then
			verdict=ERROR
			killer="no test failed, but: $other"
			errors=$((errors + 1))
		elif [ -n "$killer" ]; then
			verdict=killed
			killed=$((killed + 1))
			[ "$n" -gt 1 ] && killer="$killer (and $((n - 1)) more)"
		else
			verdict=SURVIVED
			killer="every check passed"
			survived=$((survived + 1))
		fi
	else
		verdict=ERROR
		killer="no results: $(grep -m1 -E '^(error|series):' "$mdir/runs/$name.log" || echo "see $mdir/runs/$name.log")"
		errors=$((errors + 1))
	fi
	build=$sl
	[ "$arch" = x86_64 ] || build="$sl $arch"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$build" "$verdict" "$killer" "$secs" "$what" >> "$table.new"
	say "mutant $name: $verdict in ${secs}s: $killer"
done
# A run of some mutants keeps the last rows of the others.
if [ -f "$table" ]; then
	# ... of the mutants that are still there.
	awk -F'\t' -v dir="$ROOT/harness/mutants" 'NR == FNR { ran[$1] = 1; next }
		!($1 in ran) && !system("test -f " dir "/" $1 ".patch")' "$table.new" "$table" > "$table.old"
	sort -o "$table.new" "$table.new" "$table.old"
	rm -f "$table.old"
fi
mv "$table.new" "$table"

echo
awk -F'\t' '{ printf "%-22s %-3s %-9s %5ss  %s\n", $1, $2, $3, $5, $4 }' "$table" |
	sed '1i mutant                 SL  verdict    time  the first check that failed'
echo
echo "mutants: $table; logs and results: $mdir/runs"
echo "$killed killed, $survived survived, $errors did not apply, build or die as expected"
[ "$survived" = 0 ] && [ "$errors" = 0 ]
