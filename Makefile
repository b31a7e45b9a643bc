# SPDX-License-Identifier: GPL-2.0
#
# make                 build the patched 6.12 kernel, boot it under QEMU,
#                      show the demonstration (a device mirroring a
#                      process's buffer while it changes), export the
#                      series as mails, and sum up
# make demo KERNEL=stock
#                      the demonstration on the stock kernel: later runs
#                      of make show its figures beside ours
# make check           the test suites in the guest, on the patched kernel
#                      built with CONFIG_MMU_NOTIFIER_SLEEPABLE=y and =n;
#                      one summary line for both (SLEEPABLE=y or n: one);
#                      with y, also checkpatch --strict of every exported
#                      mail, kernel-doc and the documentation build
# make check KERNEL=stock
#                      the same suites on the unpatched 6.12 kernel
# make check ARCH=arm64
#                      the same suites in an arm64 guest (cross-built,
#                      qemu-system-aarch64 -M virt), in $(BUILD)/*-arm64
# make check-debug     the same suites on debug kernels (KASAN, kmemleak,
#                      DEBUG_VM, lockdep): any report fails the run
# make compat          compile every in-tree user of the notifier interface
# make matrix [MATRIX="a b"]
#                      compile the series as a kernel test robot does:
#                      x86_64, i386, arm64, powerpc64le, s390, riscv64 and
#                      UML configs, small ones linked, fixed randconfigs,
#                      ours (SLEEPABLE=y and n) and stock, make W=1; a new
#                      W=1 warning against stock fails (MATRIX_LIST=1: list;
#                      MATRIX_TABLE=1: the table of every row built so far)
# make mutants [MUTANTS="a b"]
#                      the mutation gate: each mutant of the core in
#                      harness/mutants (or those named) built and run
#                      against the suites that claim its area; a table of
#                      what killed each; a survivor fails
# make fuzz            the fuzzer in the guest for FUZZ_SECONDS (600),
#                      seeds from FUZZ_SEED on (the time by default), on
#                      the kernel KERNEL=, SLEEPABLE= and DEBUG=1 choose;
#                      a failing seed is shrunk and printed for fuzz -r
# make bench           the benchmarks on the stock and the patched kernel,
#                      side by side: a table and a plot in $(BUILD)/bench
# make results         RESULTS.md: the tables of the last runs in $(BUILD)
# make gitam           git am of the exported mails on a git commit of the
#                      pristine tree gives the tree of the series
# make edit P=ENTRY    $(BUILD)/edit/src: the tree right after the series
#                      entry ENTRY, to change that entry there
# make refresh [P=ENTRY]
#                      write the change back into ENTRY (a patch is made
#                      again, its header kept; FORCE=1: also when only its
#                      line numbers change)
# make refresh-check   every patch, made again from its tree, is the same
#
# Variables: KERNEL=ours|stock, SLEEPABLE=y|n, ARCH=x86_64|arm64 (the guest
# of make check), BUILD (build folder), CACHE (pristine tree
# and ccache), MMUN_KVM=1 (KVM instead of TCG), MMUN_TIMEOUT (watchdog, s),
# COMPAT=0 (no compile check of the users), REVIEW=0 (no review checks),
# MMUN_TESTS=coll:prog,... (only these kselftest programs; "none": KUnit
# alone), MMUN_MUTANT_TIMEOUT (watchdog of a mutant's guest, s).

KERNEL ?= ours
BUILD ?= $(CURDIR)/build
export KERNEL BUILD
ifdef CACHE
export CACHE
endif
ifdef SLEEPABLE
export SLEEPABLE
endif

.PHONY: all check check-debug compat bench demo export tree build deps results clean mutants fuzz
.PHONY: gitam edit refresh refresh-check matrix

all: demo export
	bash harness/summary.sh

demo:
	bash harness/test.sh demo

check:
	bash harness/test.sh check

check-debug:
	DEBUG=1 bash harness/test.sh check

bench:
	bash harness/bench.sh

fuzz:
	bash harness/test.sh fuzz

mutants: deps
	bash harness/mutants.sh $(MUTANTS)

# Every in-tree user of the notifier interface, compiled against the tree.
compat: tree
	bash harness/compat.sh

# The compile matrix: defconfigs, allmodconfigs and randconfigs of several
# architectures, for ours and stock, in $(BUILD)/matrix.
matrix:
	bash harness/matrix.sh $(MATRIX)

export: deps
	bash harness/export.sh

tree: deps
	bash harness/tree.sh

build: tree
	bash harness/build.sh

deps:
	bash harness/deps.sh

# The mails as a git user applies them (review.sh runs it in make check).
gitam: tree export
	bash harness/gitam.sh

# The loop for changing a series entry: make edit P=ENTRY, change the
# entry's files in $(BUILD)/edit/src, make refresh.
edit: deps
	bash harness/refresh.sh --edit "$(P)"

refresh:
	bash harness/refresh.sh $(P)

refresh-check: deps
	bash harness/refresh.sh --check

# The current tables (RESULTS.md) from the last runs in $(BUILD).
results:
	python3 harness/results.py $(BUILD) RESULTS.md

clean:
	rm -rf $(BUILD)
