#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The compile matrix: the series built the way a kernel test robot builds
# it, on several architectures and configs, each for ours with
# CONFIG_MMU_NOTIFIER_SLEEPABLE=y ("ours") and =n ("ours-nosleep") and for
# the stock tree ("stock") with the same config.
#
#   matrix.sh [NAME...]   (or MATRIX="NAME NAME"): those configs; default all
#   MATRIX_LIST=1         list the configs and the exact make invocations,
#                         build nothing
#   MATRIX_TABLE=1        build nothing: print the table (below) of the
#                         rows built so far; the configs named are counted
#   MATRIX_CONFIG_ONLY=1  configure and validate every row and list the
#                         objects its config enables; compile nothing
#
# Every row is built out of tree in $BUILD/matrix/<config>-<flavour>, with
# make -k W=1, ccache and $JOBS jobs: mm/, arch/<srcarch>/mm/ and
# arch/<srcarch>/kvm/ as directory targets, and every user of the
# interface (found by grep, as harness/compat.sh finds them) plus the C
# files the series adds or patches as single objects. A user whose object
# the config does not enable is not built and is no failure; which objects
# a config enables is read from kbuild's own lists (real-obj-y/m of every
# directory on the way), so an object that is enabled and missing fails.
# The small configs (x86_64-nonotifier, x86_64-nosmp) also link vmlinux.
#
# A row passes when its config got every option it asks for, the log has
# no "error:", make succeeded and every enabled object was built, and (for
# ours) it has no W=1 warning, in any file, that stock of the same config
# has not (in a C file or header that 6.12 lacks, every warning is new:
# stock has the series' tests); warnings are compared without their line
# and column, site by site, and objtool's and modpost's by object.
#
# The config of a row is made once, for ours (SLEEPABLE=y): ours-nosleep
# is that config with SLEEPABLE off, stock that config in the stock tree
# (olddefconfig each); stock must end with the same values for every
# symbol both trees have, or the row fails. A config that cannot choose
# SLEEPABLE (PREEMPT_RT forces it, no MMU has no such option) runs ours
# and stock only, and the table says so. CONFIG_WERROR is off in every
# config: W=1 warnings are compared, not made errors (make compat keeps
# -Werror).
#
# Results: a table, $BUILD/matrix/matrix.tsv, of every row built in
# $BUILD/matrix so far (a run of some configs keeps the rows of the
# others, with the time each was built), and
# $BUILD/matrix/matrix-results.tsv, this run's rows in the format of
# report.py's results, as compat-results.tsv.

# lib.sh is for the guest's builds: its ARCH, KERNEL and SLEEPABLE are not
# the matrix's (each row sets kbuild's ARCH and CROSS_COMPILE on its make
# command lines), and a value it does not know must not stop the matrix.
unset ARCH CROSS_COMPILE KERNEL SLEEPABLE DEBUG
. "$(dirname "$0")/lib.sh"
unset ARCH CROSS_COMPILE

# Compile-only: the folder of a row need not be in the hash of objects
# with debug information, so a row built again in another folder hits.
export CCACHE_NOHASHDIR=1

MX=$BUILD/matrix
ALL=(x86_64-defconfig x86_64-allmodconfig i386-defconfig
     arm64-defconfig arm64-allmodconfig ppc64le-defconfig
     s390-defconfig riscv64-defconfig um-defconfig
     x86_64-nonotifier x86_64-nosmp
     x86_64-randconfig-1 x86_64-randconfig-2
     arm64-randconfig-1 arm64-randconfig-2)

# Every config asks for these (ours): the flavour's choice is made from it.
COMMON='CONFIG_MMU_NOTIFIER_SLEEPABLE=y
# CONFIG_WERROR is not set'

# The small configs: tinyconfig plus what harness/kernel.config gives the
# test kernels of the memory management (the notifier events' sources).
TINY='CONFIG_64BIT=y
CONFIG_MULTIUSER=y
CONFIG_PRINTK=y
CONFIG_BUG=y
CONFIG_FUTEX=y
CONFIG_POSIX_TIMERS=y
CONFIG_ADVISE_SYSCALLS=y
CONFIG_MODULES=y
CONFIG_MODULE_UNLOAD=y
CONFIG_BINFMT_ELF=y
CONFIG_PROC_FS=y
CONFIG_SYSFS=y
CONFIG_TMPFS=y
CONFIG_BLOCK=y
CONFIG_DEBUG_FS=y
CONFIG_DEBUG_INFO_NONE=y
CONFIG_FRAME_WARN=2048
CONFIG_SHMEM=y
CONFIG_SWAP=y
CONFIG_MIGRATION=y
CONFIG_COMPACTION=y
CONFIG_TRANSPARENT_HUGEPAGE=y
CONFIG_HUGETLBFS=y
CONFIG_HUGETLB_PAGE=y
CONFIG_KSM=y
CONFIG_USERFAULTFD=y
CONFIG_MEMORY_HOTPLUG=y
CONFIG_MEMORY_HOTREMOVE=y
CONFIG_SPARSEMEM_VMEMMAP=y
CONFIG_ZONE_DEVICE=y
CONFIG_DEVICE_PRIVATE=y
CONFIG_DEBUG_KERNEL=y
CONFIG_DEBUG_VM=y
CONFIG_PROVE_LOCKING=y'

# spec NAME: what a config is. Sets karch (kbuild's ARCH), srcarch, cross
# (CROSS_COMPILE), base (the make target that makes the config), seed
# (KCONFIG_SEED of a randconfig), frag (asked for, on top of COMMON: each
# line must hold after olddefconfig), want (extended regexps, whole lines
# the .config must also have; !RE: a line it must not have) and link (1:
# vmlinux too).
spec() {
	karch='' srcarch='' cross='' base=defconfig seed='' frag='' want='' link=0
	case "$1" in
	x86_64-defconfig)
		karch=x86_64 want='CONFIG_X86_64=y' ;;
	x86_64-allmodconfig)
		karch=x86_64 base=allmodconfig
		want='CONFIG_X86_64=y
CONFIG_MMU_NOTIFIER=y
CONFIG_KVM=m' ;;
	i386-defconfig)
		karch=i386 want='CONFIG_X86_32=y
!CONFIG_64BIT=y' ;;
	arm64-defconfig)
		karch=arm64 want='CONFIG_KVM=y
CONFIG_MMU_NOTIFIER=y' ;;
	arm64-allmodconfig)
		karch=arm64 base=allmodconfig want='CONFIG_MMU_NOTIFIER=y
CONFIG_ARM_SMMU_V3_SVA=y' ;;
	ppc64le-defconfig)
		# OCXL needs the PowerNV PCI hotplug driver; CXL is the IBM
		# CAPI driver of drivers/misc/cxl (6.12 still has it).
		karch=powerpc cross=powerpc64le-linux-gnu- base=ppc64le_defconfig
		frag='CONFIG_HOTPLUG_PCI=y
CONFIG_HOTPLUG_PCI_POWERNV=y
CONFIG_OCXL=m
CONFIG_CXL=m'
		want='CONFIG_PPC64=y
CONFIG_CPU_LITTLE_ENDIAN=y
CONFIG_MMU_NOTIFIER=y' ;;
	s390-defconfig)
		karch=s390 cross=s390x-linux-gnu- frag='CONFIG_KVM=m'
		want='CONFIG_MMU_NOTIFIER=y' ;;
	riscv64-defconfig)
		karch=riscv cross=riscv64-linux-gnu- frag='CONFIG_KVM=m'
		want='CONFIG_64BIT=y
CONFIG_MMU_NOTIFIER=y' ;;
	um-defconfig)
		karch=um want='CONFIG_UML=y' ;;
	x86_64-nonotifier)
		# Nothing selects MMU_NOTIFIER: the core is not built, its
		# callers must still compile and link.
		karch=x86_64 base=tinyconfig link=1
		frag="$TINY
CONFIG_SMP=y
CONFIG_NR_CPUS=8
CONFIG_NUMA=y"
		want='!CONFIG_MMU_NOTIFIER=y' ;;
	x86_64-nosmp)
		# Uniprocessor (no PER_VMA_LOCK), with the series' own users.
		karch=x86_64 base=tinyconfig link=1
		frag="$TINY
# CONFIG_SMP is not set
CONFIG_RUNTIME_TESTING_MENU=y
CONFIG_TEST_MMU_NOTIFIER=y
CONFIG_MMU_NOTIFIER_BENCH=y
CONFIG_KUNIT=y
CONFIG_MMU_NOTIFIER_KUNIT_TEST=y"
		want='CONFIG_MMU_NOTIFIER=y
!CONFIG_PER_VMA_LOCK=y' ;;
	x86_64-randconfig-[12])
		# KVM and the test driver force MMU_NOTIFIER on.
		karch=x86_64 base=randconfig
		case "$1" in *-1) seed=0x4d4e0001 ;; *) seed=0x4d4e0002 ;; esac
		frag='CONFIG_VIRTUALIZATION=y
CONFIG_CPU_SUP_INTEL=y
CONFIG_KVM=y
CONFIG_KVM_INTEL=y
CONFIG_RUNTIME_TESTING_MENU=y
CONFIG_TEST_MMU_NOTIFIER=y'
		want='CONFIG_MMU_NOTIFIER=y' ;;
	arm64-randconfig-[12])
		karch=arm64 base=randconfig
		case "$1" in *-1) seed=0x4d4e0003 ;; *) seed=0x4d4e0004 ;; esac
		frag='CONFIG_VIRTUALIZATION=y
CONFIG_KVM=y
CONFIG_RUNTIME_TESTING_MENU=y
CONFIG_TEST_MMU_NOTIFIER=y'
		want='CONFIG_MMU_NOTIFIER=y' ;;
	*) return 1 ;;
	esac
	case "$karch" in
	x86_64|i386) srcarch=x86 ;;
	*) srcarch=$karch ;;
	esac
	[ "$karch" = arm64 ] && cross=aarch64-linux-gnu-
	return 0
}

# The flavours of a config; tree and folder of a row.
FLAVOURS=(ours ours-nosleep stock)
tree_of() { case "$1" in stock) echo "$BUILD/stock/src" ;; *) echo "$BUILD/ours/src" ;; esac; }

# The make command line of a row (kbuild's variables on it, so nothing of
# the environment decides).
make_args() {
	printf '%s\n' -C "$1" O="$2" ARCH="$karch" CROSS_COMPILE="$cross" \
		CC="ccache ${cross}gcc" HOSTCC="ccache gcc" -j"$JOBS"
}

# The names asked for.
names=("$@")
[ ${#names[@]} -gt 0 ] || read -r -a names <<< "${MATRIX:-}"
[ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
for n in "${names[@]}"; do
	spec "$n" || die "matrix: no config '$n' (the configs: ${ALL[*]})"
done

# MATRIX_LIST=1: the configs and their make invocations.
if [ "${MATRIX_LIST:-0}" = 1 ]; then
	for n in "${names[@]}"; do
		spec "$n"
		o=$MX/$n-ours
		m="make -C $BUILD/ours/src O=$o ARCH=$karch CROSS_COMPILE=$cross CC=\"ccache ${cross}gcc\" HOSTCC=\"ccache gcc\" -j$JOBS"
		echo "$n: ARCH=$karch${cross:+ CROSS_COMPILE=$cross}, $base${seed:+ KCONFIG_SEED=$seed}${frag:+ + $(grep -c . <<< "$frag") options}$([ "$link" = 1 ] && echo ', vmlinux linked')"
		echo "  flavours: ours (SLEEPABLE=y), ours-nosleep (SLEEPABLE=n), stock;" \
			"one of ours only where SLEEPABLE cannot be chosen (PREEMPT_RT, no MMU)"
		echo "  asks: $(sed ':a;N;$!ba;s/\n/; /g' <<< "$COMMON${frag:+
$frag}")"
		[ -z "$want" ] || echo "  checks: $(sed ':a;N;$!ba;s/\n/; /g' <<< "$want")"
		case "$base" in
		allmodconfig|randconfig)
			echo "  ours:   $m KCONFIG_ALLCONFIG=$o/matrix.frag${seed:+ KCONFIG_SEED=$seed} $base" ;;
		*)
			echo "  ours:   $m $base"
			echo "          $BUILD/ours/src/scripts/kconfig/merge_config.sh -m -O $o $o/.config $o/matrix.frag"
			echo "          $m olddefconfig" ;;
		esac
		echo "  ours-nosleep: cp $o/.config $MX/$n-ours-nosleep/.config;" \
			"scripts/config --disable MMU_NOTIFIER_SLEEPABLE; make ... olddefconfig"
		echo "  stock:  cp $o/.config $MX/$n-stock/.config;" \
			"make -C $BUILD/stock/src O=$MX/$n-stock ... olddefconfig"
		echo "  build (each flavour): $m W=1 prepare"
		[ "$link" = 1 ] && echo "                        $m -k W=1 vmlinux"
		echo "                        $m -k W=1 mm/ arch/$srcarch/mm/ arch/$srcarch/kvm/" \
			"USER.o ... (the directories that exist and the users' objects that the config enables)"
	done
	exit 0
fi

table() {
	# The table, matrix.tsv: every row of every config that has been built in
	# $MX, this run's and the earlier runs' (each with the time it was built),
	# as mutants.tsv keeps the rows of the mutants a run did not name. The
	# results in report.py's format and the last line are this run's rows.
	tsv=$MX/matrix.tsv
	rows=$results.new
	printf 'config\tflavour\tresult\tobjects built\tobjects enabled\tusers built\tusers enabled\tnew W=1\tseconds\tbuilt\tnote\n' > "$tsv.new"
	: > "$rows"
	printf '\n%-22s %-13s %-9s %9s %7s %7s %6s %-16s  %s\n' config flavour result objects users 'new W=1' s built note
	passed=0 failed=0
	for n in "${ALL[@]}"; do
		this=0
		[[ " ${names[*]} " == *" $n "* ]] && this=1
		for fl in "${FLAVOURS[@]}"; do
			o=$MX/$n-$fl
			[ -f "$o/matrix-final" ] || continue
			IFS=$'\t' read -r res built enabled ubuilt uenabled secs new note < "$o/matrix-final"
			when=$(date -u -r "$o/matrix-final" '+%Y-%m-%d %H:%M')
			if [ $this = 1 ]; then
				if [ "$res" = PASS ] || [ "$res" = CONFIG-OK ]; then
					passed=$((passed + 1))
				else
					failed=$((failed + 1))
				fi
			fi
			printf '%-22s %-13s %-9s %9s %7s %7s %6s %-16s  %s\n' "$n" "$fl" "$res" "$built/$enabled" \
				"$ubuilt/$uenabled" "$new" "$secs" "$when" "$note"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$fl" "$res" "$built" "$enabled" \
				"$ubuilt" "$uenabled" "$new" "$secs" "$when" "${note//$'\t'/ }" >> "$tsv.new"
			[ $this = 1 ] || continue
			r=$res
			[ "$r" = CONFIG-OK ] && r=PASS
			printf 'matrix: %s\t%s\t%s\t%s\n' "$n" "$fl" "$r" "${note//$'\t'/ }${note:+; }log: $o/matrix-build.log" >> "$rows"
		done
		[ $this = 1 ] || continue
		spec "$n"
		for fl in ours ours-nosleep; do
			[ -s "$MX/$n-$fl/matrix-new-warnings.txt" ] || continue
			echo "  new W=1 warnings of $n-$fl (against $n-stock):"
			sed -n 's/^/    /; 1,10p' "$MX/$n-$fl/matrix-new-warnings.txt"
		done
	done
	# "print" (MATRIX_TABLE=1): the table and nothing else.
	if [ "${1:-}" = print ]; then
		rm -f "$tsv.new" "$rows"
		echo
		echo "the configs named: $passed passed, $failed failed"
	else
		mv "$tsv.new" "$tsv"
		mv "$rows" "$results"
		echo
		echo "table: $tsv (every row built in $MX); results: $results; logs: $MX/<config>-<flavour>/matrix-{config,build}.log"
		echo "this run: $passed passed, $failed failed"
	fi
	[ "$failed" = 0 ]
}

mkdir -p "$MX"
results=$MX/matrix-results.tsv
# MATRIX_TABLE=1: build nothing; the table of every row built so far.
if [ "${MATRIX_TABLE:-0}" = 1 ]; then
	table print
	exit
fi

CONFIG_ONLY=${MATRIX_CONFIG_ONLY:-0}
bash "$ROOT/harness/deps.sh" matrix
printf 'matrix\tcompile matrix\tFAIL\t%s\n' "harness/matrix.sh stopped before it finished" > "$results"

say "matrix: the trees (ours, stock)"
env -u ARCH -u CROSS_COMPILE KERNEL=ours BUILD="$BUILD" bash "$ROOT/harness/tree.sh"
env -u ARCH -u CROSS_COMPILE KERNEL=stock BUILD="$BUILD" bash "$ROOT/harness/tree.sh"
OURS=$(realpath "$BUILD/ours/src")
STOCK=$(realpath "$BUILD/stock/src")

# The users of the interface and the C files the series adds or patches,
# as harness/compat.sh finds them (grep), once per tree of the series.
stamp=$(cat "$OURS/.series-stamp")
if [ "$(head -n1 "$MX/users.txt" 2>/dev/null)" != "$stamp" ]; then
	say "matrix: finding the users of the interface"
	{
		echo "$stamp"
		{
			(cd "$OURS" && grep -rlE \
			'\bmmu_(interval_)?notifier_[a-z_]+\(|\bmmu_interval_read_(begin|retry)\b|struct mmu_(interval_)?notifier(_ops)?\b' \
			--include='*.c' . | sed 's|^\./||')
			grep -E '\.c$' "$OURS/.series-files"
		} | grep -v '^tools/' | LC_ALL=C sort -u
	} > "$MX/users.txt.new"
	mv "$MX/users.txt.new" "$MX/users.txt"
fi
mapfile -t USERS < <(tail -n +2 "$MX/users.txt")
# The files the series touches, and the tree it starts from.
TOUCHED=$OURS/.series-files
PRISTINE=$(pristine_dir)
# Symbols only the patched tree has: stock's config lacks them.
ours_only=$(grep -i kconfig "$TOUCHED" | while read -r f; do
	LC_ALL=C comm -23 \
		<(sed -nE 's/^[[:space:]]*(menu)?config[[:space:]]+([A-Z0-9_]+).*/\2/p' "$OURS/$f" | LC_ALL=C sort -u) \
		<(sed -nE 's/^[[:space:]]*(menu)?config[[:space:]]+([A-Z0-9_]+).*/\2/p' "$STOCK/$f" 2>/dev/null | LC_ALL=C sort -u)
done | LC_ALL=C sort -u || true)

# kbuild's lists, read by "make matrix-list" in a configured folder: for
# every directory on the way to a goal (or under a goal directory), its
# real-obj-y/m and lib-y, one file a directory.
MK=$MX/matrix-list.mk
cat > "$MK.new" <<'EOF'
# Written by harness/matrix.sh: the objects kbuild builds in each directory
# that holds one of $(MATRIX_GOALS) or lies under a goal directory.
ifeq ($(origin obj),undefined)
.PHONY: matrix-list
matrix-list:
	$(Q)$(MAKE) -f $(srctree)/scripts/Makefile.build -f $(MATRIX_MK) obj=. need-builtin=1 need-modorder=1 matrix-print
else
matrix-sub := $(foreach d,$(subdir-ym),$(if $(or $(filter $d/%,$(MATRIX_GOALS)),$(filter $(addsuffix %,$(filter %/,$(MATRIX_GOALS))),$d/)),$d))
.PHONY: matrix-print $(addprefix matrix-descend/,$(matrix-sub))
matrix-print: $(addprefix matrix-descend/,$(matrix-sub))
	$(file >$(MATRIX_OUT)/$(subst /,%,$(obj)).lst,DIR $(obj)$(foreach o,$(real-obj-y) $(real-obj-m) $(lib-y),$(newline)OBJ $o))
	@:
$(addprefix matrix-descend/,$(matrix-sub)): matrix-descend/%:
	$(Q)$(MAKE) -f $(srctree)/scripts/Makefile.build -f $(MATRIX_MK) obj=$* need-builtin=1 need-modorder=1 matrix-print
endif
EOF
mv "$MK.new" "$MK"

# The W=1 warnings of a log, one site a line (file, message without line
# and column, how many sites), in every file, not only those the series
# touches (a changed header can make a caller warn); warnings without a
# line (objtool's, modpost's, the linker's) count by their object. Then
# the comparison of two such lists.
warnings() { # LOG OBJDIR SRC > TSV
	python3 - "$@" <<-'EOF'
		import collections, os, re, sys
		log, objdir, src = sys.argv[1:4]
		warn = re.compile(r'^([^\s:][^:]*):(\d+):(?:(\d+):)? warning: (.*)$')
		other = re.compile(r'^(?:WARNING: )?([^\s:]+): (?:warning: )?(.*(?:warning|objtool|modpost).*)$')
		sites = set()
		for line in open(log, errors='replace'):
		    line = line.rstrip('\n')
		    m = warn.match(line)
		    if m:
		        where, ln, col, msg = m.group(1), m.group(2), m.group(3) or '', m.group(4)
		    else:
		        m = other.match(line)
		        if not m or 'error' in line:
		            continue
		        where, ln, col, msg = m.group(1), '', '', m.group(2)
		    path = os.path.normpath(os.path.join(objdir, where))
		    if path.startswith(src + '/'):
		        path = path[len(src) + 1:]
		    elif path.startswith(objdir + '/'):
		        path = path[len(objdir) + 1:]
		    msg = re.sub(r'\b\d+ bytes\b', 'N bytes', msg.strip())
		    sites.add((path, ln, col, msg))
		count = collections.Counter((f, msg) for f, _, _, msg in sites)
		for (f, msg), n in sorted(count.items()):
		    print('%s\t%s\t%d' % (f, msg, n))
		EOF
}
# Ours against stock of the same config. Stock has the series' tests (its
# "# stock" entries): in a file that 6.12 lacks, every warning is new.
new_warnings() { # OURS.TSV STOCK.TSV > the warnings ours has more often
	python3 - "$@" "$PRISTINE" <<-'EOF'
		import os, sys
		def read(p):
		    d = {}
		    for l in open(p):
		        f, msg, n = l.rstrip('\n').split('\t')
		        d[(f, msg)] = int(n)
		    return d
		ours, stock = read(sys.argv[1]), read(sys.argv[2])
		pristine = sys.argv[3]
		for (f, msg), n in sorted(ours.items()):
		    base = stock.get((f, msg), 0)
		    if f.endswith(('.c', '.h')) and \
		       not os.path.exists(os.path.join(pristine, f)):
		        base = 0
		    extra = n - base
		    if extra > 0:
		        print('%s: warning: %s%s' % (f, msg, ' (%d sites, stock %d)' % (n, n - extra)
		                                     if (f, msg) in stock else ''))
		EOF
}

# A row's outcome, in $o/matrix-row: result, objects built, enabled,
# users built, enabled, seconds, note.
row_done() { # OBJDIR RESULT BUILT ENABLED UBUILT UENABLED T0 NOTE
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$2" "$3" "$4" "$5" "$6" \
		"$(( $(date +%s) - $7 ))" "$8" > "$1/matrix-row"
}

# config_values FILE: "SYMBOL=value" a line (n for "is not set"), sorted.
config_values() {
	sed -nE -e 's/^(CONFIG_[A-Za-z0-9_]+)=(.*)$/\1=\2/p' \
		-e 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1=n/p' "$1" | LC_ALL=C sort
}

# check_wants FLAVOUR CONFIG: every line asked for and wanted holds (stock:
# but for the symbols only ours has). Prints what does not.
check_wants() {
	local fl=$1 cfg=$2 line sym
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		case "$line" in
		CONFIG_*=*|'# CONFIG_'*' is not set') ;;
		*) continue ;;
		esac
		sym=${line#\# }; sym=${sym%%[= ]*}; sym=${sym#CONFIG_}
		if [ "$sym" = MMU_NOTIFIER_SLEEPABLE ]; then
			continue	# the flavour's own check
		fi
		[ "$fl" = stock ] && grep -qxF "$sym" <<< "$ours_only" && continue
		grep -qxF -- "$line" "$cfg" || echo "asks for '$line', got: $(grep -E "^(# )?CONFIG_${sym}[= ]" "$cfg" || echo unset)"
	done <<< "$COMMON
$frag"
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		if [ "${line#!}" != "$line" ]; then
			! grep -qxE -- "${line#!}" "$cfg" || echo "wants no '${line#!}', got it"
			continue
		fi
		sym=$(grep -oE 'CONFIG_[A-Za-z0-9_]+' <<< "$line" | head -n1)
		grep -qxE -- "$line" "$cfg" || echo "wants '$line', got: $(grep -E "^(# )?${sym}[= ]" "$cfg" || echo unset)"
	done <<< "$want"
	local s
	s=$(grep -E '^(# )?CONFIG_MMU_NOTIFIER_SLEEPABLE[= ]' "$cfg" || true)
	case "$fl" in
	ours) [ "$s" = CONFIG_MMU_NOTIFIER_SLEEPABLE=y ] || echo "wants CONFIG_MMU_NOTIFIER_SLEEPABLE=y, got: ${s:-unset}" ;;
	ours-nosleep) [ "$s" = '# CONFIG_MMU_NOTIFIER_SLEEPABLE is not set' ] ||
		echo "wants CONFIG_MMU_NOTIFIER_SLEEPABLE off, got: ${s:-unset}" ;;
	stock) [ -z "$s" ] || echo "stock has $s" ;;
	esac
}

# run_row NAME FLAVOUR: configure, validate and build one row.
run_row() {
	local n=$1 fl=$2 t0 tree o log args
	t0=$(date +%s)
	tree=$(tree_of "$fl")
	o=$MX/$n-$fl
	mkdir -p "$o"
	rm -f "$o/matrix-row" "$o/matrix-final" "$o/matrix-config-ok" "$o/matrix-warnings.tsv" \
		"$o/matrix-new-warnings.txt"
	log=$o/matrix-build.log
	: > "$log"
	mapfile -t args < <(make_args "$tree" "$o")
	kmake() { make "${args[@]}" "$@"; }

	# The config.
	local clog=$o/matrix-config.log
	: > "$clog"
	if ! command -v "${cross}gcc" >/dev/null; then
		row_done "$o" FAIL 0 0 0 0 "$t0" "${cross}gcc is missing: bash harness/deps.sh matrix"
		return
	fi
	case "$fl" in
	ours)
		printf '%s\n%s\n' "$COMMON" "$frag" | grep . > "$o/matrix.frag"
		case "$base" in
		allmodconfig|randconfig)
			kmake KCONFIG_ALLCONFIG="$o/matrix.frag" ${seed:+KCONFIG_SEED=$seed} "$base" >> "$clog" 2>&1 ;;
		*)
			kmake "$base" >> "$clog" 2>&1 &&
			"$tree/scripts/kconfig/merge_config.sh" -m -O "$o" "$o/.config" "$o/matrix.frag" >> "$clog" 2>&1 &&
			kmake olddefconfig >> "$clog" 2>&1 ;;
		esac
		;;
	ours-nosleep)
		[ -f "$MX/$n-ours/matrix-config-ok" ] &&
		cp "$MX/$n-ours/.config" "$o/.config" &&
		"$tree/scripts/config" --file "$o/.config" --disable MMU_NOTIFIER_SLEEPABLE &&
		kmake olddefconfig >> "$clog" 2>&1 ;;
	stock)
		[ -f "$MX/$n-ours/matrix-config-ok" ] &&
		cp "$MX/$n-ours/.config" "$o/.config" &&
		kmake olddefconfig >> "$clog" 2>&1 ;;
	esac || {
		row_done "$o" FAIL 0 0 0 0 "$t0" "the config could not be made (or ours' was not): $clog"
		return
	}
	local bad
	bad=$(check_wants "$fl" "$o/.config")
	if [ "$fl" = stock ]; then
		# The same config as ours, but for the symbols only ours has.
		# shellcheck disable=SC2001
		bad+=$(diff <(config_values "$MX/$n-ours/.config" | grep -vxEf <(sed 's/.*/CONFIG_&=.*/' <<< "$ours_only")) \
			    <(config_values "$o/.config") | sed -n 's/^\([<>]\) /  \1 /p' | head -n 20 |
			sed '1s/^/stock did not get the config of ours (< ours, > stock):\n/' || true)
	fi
	if [ -n "$bad" ]; then
		echo "error: matrix: $n-$fl did not get the config it asks for:" >&2
		printf '  %s\n' "${bad//$'\n'/$'\n'  }" >&2
		printf '%s\n' "$bad" >> "$clog"
		row_done "$o" FAIL 0 0 0 0 "$t0" "config: $(head -n1 <<< "$bad")"
		return
	fi
	touch "$o/matrix-config-ok"

	# What the config enables: the goal directories that exist and that
	# kbuild reaches, and the users' objects.
	local dirs=() d
	for d in mm arch/$srcarch/mm arch/$srcarch/kvm; do
		[ -d "$tree/$d" ] && dirs+=("$d/")
	done
	local natural=() f
	for f in "${USERS[@]}"; do natural+=("${f%.c}.o"); done
	rm -rf "$o/matrix-list"
	mkdir -p "$o/matrix-list"
	if ! make -s --no-print-directory -C "$o" -f "$tree/Makefile" -f "$MK" \
		ARCH="$karch" CROSS_COMPILE="$cross" CC="ccache ${cross}gcc" HOSTCC="ccache gcc" \
		-j"$JOBS" MATRIX_MK="$MK" MATRIX_OUT="$o/matrix-list" \
		MATRIX_GOALS="${dirs[*]} ${natural[*]}" matrix-list >> "$clog" 2>&1; then
		row_done "$o" FAIL 0 0 0 0 "$t0" "kbuild's object lists could not be read: $clog"
		return
	fi
	cat "$o"/matrix-list/*.lst > "$o/matrix-list.txt"
	# Objects (as kbuild names them) and the files they are, normalized.
	local objs
	objs=$(awk '$1 == "OBJ" && $2 ~ /\.o$/ {print $2}' "$o/matrix-list.txt" | LC_ALL=C sort -u)
	local reached
	reached=$(awk '$1 == "DIR" {print $2 "/"}' "$o/matrix-list.txt")
	local godirs=()
	for d in "${dirs[@]}"; do
		grep -qxF "$d" <<< "$reached" && godirs+=("$d")
	done
	# The directories' objects, and the users' targets: a user's own path
	# when its directory lists it, else the path of the directory that
	# builds it (amdkfd in amdgpu, virt/kvm in arch/*/kvm).
	declare -A norm=()
	local p q
	if [ -n "$objs" ]; then
		while read -r p q; do norm[$q]=${norm[$q]:-$p}; done < <(paste -d' ' <(echo "$objs") \
			<(echo "$objs" | sed 's|^|/R/|' | xargs realpath -ms --relative-to=/R))
	fi
	local dirobjs=() targets=() uenabled=0 under
	if [ ${#godirs[@]} -gt 0 ]; then
		mapfile -t dirobjs < <(grep -E "^($(printf '%s|' "${godirs[@]}" | sed 's/|$//'))" <<< "$objs" || true)
	fi
	for q in "${natural[@]}"; do
		p=${norm[$q]:-}
		[ -n "$p" ] || continue
		uenabled=$((uenabled + 1))
		under=0
		for d in "${godirs[@]}"; do
			case "$p" in "$d"*) under=1 ;; esac
		done
		[ "$under" = 1 ] || targets+=("$p")
	done
	local expect=("${dirobjs[@]}" "${targets[@]}")
	printf '%s\n' "${godirs[@]}" "${targets[@]}" > "$o/matrix-goals.txt"
	local note=
	grep -q '^CONFIG_MMU_NOTIFIER=y' "$o/.config" || note="MMU_NOTIFIER=n"
	if [ "$CONFIG_ONLY" = 1 ]; then
		row_done "$o" CONFIG-OK 0 "$((${#expect[@]} + link))" 0 "$uenabled" "$t0" "$note"
		return
	fi

	# The build: prepare, vmlinux for the small configs, the goals.
	find "$o" \( -path "$o/scripts" -o -path "$o/tools" -o -path "$o/matrix-list" \) -prune \
		-o -name '*.o' -type f -exec rm -f {} +
	rm -f "$o/vmlinux"
	local rc=0
	# Each make command line goes into the log first, as it can be rerun.
	logged() { { printf '+ '; printf '%q ' make "${args[@]}" "$@"; echo; kmake "$@"; } >> "$log" 2>&1; }
	logged W=1 prepare || rc=1
	if [ "$rc" = 0 ] && [ "$link" = 1 ]; then
		logged -k W=1 vmlinux || rc=1
	fi
	if [ "$rc" = 0 ] && [ $((${#godirs[@]} + ${#targets[@]})) -gt 0 ]; then
		logged -k W=1 "${godirs[@]}" "${targets[@]}" || rc=1
	fi
	local built=0 ubuilt=0 missing=()
	for p in "${expect[@]}"; do
		if [ -f "$(realpath -m "$o/$p")" ]; then built=$((built + 1)); else missing+=("$p"); fi
	done
	for q in "${natural[@]}"; do
		p=${norm[$q]:-}
		[ -n "$p" ] && [ -f "$(realpath -m "$o/$p")" ] && ubuilt=$((ubuilt + 1))
	done
	if [ "$link" = 1 ]; then
		if [ -f "$o/vmlinux" ]; then built=$((built + 1)); else missing+=(vmlinux); fi
	fi
	warnings "$log" "$(realpath "$o")" "$(realpath "$tree")" > "$o/matrix-warnings.tsv"
	local errors result=PASS
	errors=$(grep -ci 'error:' "$log" || true)
	if [ "$errors" -gt 0 ]; then
		result=FAIL note="${note:+$note; }$errors error lines, first: $(grep -i -m1 'error:' "$log" | cut -c1-160)"
	elif [ "$rc" != 0 ]; then
		result=FAIL note="${note:+$note; }make failed: $(grep -m1 -E '\*\*\*|undefined reference' "$log" | cut -c1-160)"
	fi
	if [ ${#missing[@]} -gt 0 ]; then
		result=FAIL note="${note:+$note; }not built: ${missing[*]:0:5}$([ ${#missing[@]} -gt 5 ] && echo ' ...')"
	fi
	row_done "$o" "$result" "$built" "$((${#expect[@]} + link))" "$ubuilt" "$uenabled" "$t0" "$note"
}

# run_config NAME: its rows, then ours' warnings against stock's.
run_config() {
	local n=$1 fl o r
	spec "$n"
	local fls=("${FLAVOURS[@]}") single=
	for fl in "${fls[@]}"; do
		o=$MX/$n-$fl
		if [ "$fl" = ours-nosleep ]; then
			# Can this config choose? Not with PREEMPT_RT, not without MMU.
			if [ -f "$MX/$n-ours/matrix-config-ok" ] && grep -qx 'CONFIG_PREEMPT_RT=y' "$MX/$n-ours/.config"; then
				single="one flavour of ours: PREEMPT_RT=y forces SLEEPABLE=y"
			elif [ -f "$MX/$n-ours/matrix-config-ok" ] && ! grep -q '^CONFIG_MMU=y' "$MX/$n-ours/.config"; then
				single="one flavour of ours: no MMU, no SLEEPABLE"
			fi
			if [ -n "$single" ]; then
				rm -rf "$o"
				say "matrix: $n: $single"
				continue
			fi
		fi
		say "matrix: $n-$fl"
		run_row "$n" "$fl"
		r=$(cut -f1 "$o/matrix-row")
		say "matrix: $n-$fl: $r ($(cut -f6 "$o/matrix-row") s)"
	done
	# W=1: what ours has that stock has not.
	local st=$MX/$n-stock
	for fl in ours ours-nosleep; do
		o=$MX/$n-$fl
		[ -f "$o/matrix-row" ] || continue
		local row new=- res note
		row=$(cat "$o/matrix-row")
		res=$(cut -f1 <<< "$row")
		note=$(cut -f7 <<< "$row")
		if [ -f "$o/matrix-warnings.tsv" ] && [ -f "$st/matrix-warnings.tsv" ]; then
			new_warnings "$o/matrix-warnings.tsv" "$st/matrix-warnings.tsv" > "$o/matrix-new-warnings.txt"
			new=$(grep -c . "$o/matrix-new-warnings.txt" || true)
			if [ "$new" -gt 0 ]; then
				res=FAIL
				note="${note:+$note; }new W=1: $(head -n1 "$o/matrix-new-warnings.txt" | cut -c1-160)"
			fi
			if [ "$(cut -f1 "$st/matrix-row")" != PASS ]; then
				note="${note:+$note; }stock failed: its warnings are incomplete"
			fi
		elif [ "$res" = PASS ]; then
			res=FAIL note="${note:+$note; }no stock warnings to compare with"
		fi
		[ "$fl" = ours ] && [ -n "$single" ] && note="${note:+$note; }$single"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$res" "$(cut -f2 <<< "$row")" \
			"$(cut -f3 <<< "$row")" "$(cut -f4 <<< "$row")" "$(cut -f5 <<< "$row")" \
			"$(cut -f6 <<< "$row")" "$new" "$note" > "$o/matrix-final"
	done
	if [ -f "$st/matrix-row" ]; then
		awk -F'\t' -v OFS='\t' '{print $1, $2, $3, $4, $5, $6, "-", $7}' "$st/matrix-row" > "$st/matrix-final"
	fi
}

for n in "${names[@]}"; do
	run_config "$n"
done

table
