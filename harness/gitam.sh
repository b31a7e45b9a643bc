#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The series as a git user gets it: "git am" of the exported mails on a
# git commit of the pristine 6.12 tree must give, byte for byte, the tree
# that tree.sh applied ($BUILD/ours/src).
#
#   gitam.sh          the check; prints one result row of review.sh's
#                     results ("suite<TAB>name<TAB>PASS|FAIL<TAB>note")
#                     and fails with the reason
#   gitam.sh --base   the id of the base commit, for the cover letter
#   gitam.sh --about  one line on how the base commit is made
#
# The base commit is the whole pristine tree (git add -f: Debian's
# tarball ships a .gitignore that ignores every top-level path), with a
# fixed author, committer, date and message, so that it has the same id
# on every machine that has the same tarball. It is made once per machine
# in $CACHE/base.git; $BUILD/gitam is a clone that shares its objects and
# is reused from one run to the next.

. "$(dirname "$0")/lib.sh"

# A user's git configuration (autocrlf, filters, am.threeWay, the hash)
# must change neither the base commit nor what "git am" does.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
BASE_NAME=linux-source-6.12
BASE_EMAIL=linux-source-6.12@localhost
BASE_DATE=2026-01-01T00:00:00Z

base_repo=$CACHE/base.git
# The mails are those of the patched kernel, whatever KERNEL says.
src=$BUILD/ours/src
pristine=$(pristine_dir)
ver=$(kernel_version "$pristine")

about() {
	echo "the tree of $(basename "$TARBALL") as unpacked, committed whole" \
		"(git add -f: its .gitignore ignores the top level) by" \
		"\"$BASE_NAME <$BASE_EMAIL>\" with the date $BASE_DATE and the" \
		"message \"Linux $ver\""
}

# base_commit: the id of the base commit, made if the cache lacks it.
base_commit() {
	local key commit tmp n_git n_tree
	key="$(head -n1 "$CACHE/pristine.id") $pristine"
	exec 9> "$CACHE/base.lock"
	flock 9
	if [ -f "$CACHE/base.id" ] && [ "$(head -n1 "$CACHE/base.id")" = "$key" ]; then
		commit=$(sed -n 2p "$CACHE/base.id")
		if git --git-dir="$base_repo" cat-file -e "$commit^{commit}" 2>/dev/null; then
			exec 9>&-
			echo "$commit"
			return
		fi
	fi
	say "gitam: committing the pristine tree into $base_repo (once)"
	tmp=$base_repo.tmp
	rm -rf "$tmp"
	git init -q --bare --object-format=sha1 "$tmp"
	# Loose objects at a low compression: hashing 1.7 GB is the cost.
	git -C "$pristine" --git-dir="$tmp" --work-tree=. -c core.looseCompression=1 \
		add -A -f .
	# Every file and symlink of the tree, and nothing else, is in the index.
	n_git=$(git --git-dir="$tmp" ls-files | wc -l)
	n_tree=$(find "$pristine" \( -type f -o -type l \) | wc -l)
	[ "$n_git" = "$n_tree" ] ||
		die "gitam: the base commit would hold $n_git of the $n_tree files of $pristine"
	commit=$(echo "Linux $ver" | GIT_AUTHOR_NAME=$BASE_NAME GIT_AUTHOR_EMAIL=$BASE_EMAIL \
		GIT_AUTHOR_DATE=$BASE_DATE GIT_COMMITTER_NAME=$BASE_NAME \
		GIT_COMMITTER_EMAIL=$BASE_EMAIL GIT_COMMITTER_DATE=$BASE_DATE \
		git --git-dir="$tmp" commit-tree "$(git --git-dir="$tmp" write-tree)")
	git --git-dir="$tmp" update-ref "refs/heads/linux-$ver" "$commit"
	git --git-dir="$tmp" symbolic-ref HEAD "refs/heads/linux-$ver"
	rm -f "$tmp/index"
	rm -rf "$base_repo"
	mv "$tmp" "$base_repo"
	printf '%s\n%s\n' "$key" "$commit" > "$CACHE/base.id"
	exec 9>&-
	say "gitam: base commit $commit (linux-$ver)"
	echo "$commit"
}

case "${1:-}" in
--base) base_commit; exit 0 ;;
--about) about; exit 0 ;;
'') ;;
*) die "usage: gitam.sh [--base | --about]" ;;
esac

# The check prints exactly one row, also when it stops early.
suite="review: git am"
name="the mails apply with git am to the base commit and give the applied tree"
row_done=
result() {
	printf '%s\t%s\t%s\t%s\n' "$suite" "$name" "$1" "$(printf '%s' "${2:-}" | tr '\t\n' '  ')"
	row_done=1
}
fail() {
	result FAIL "$1"
	printf 'error: gitam: %s\n' "$1" >&2
	exit 1
}
trap '[ -n "$row_done" ] || result FAIL "harness/gitam.sh stopped early (see its messages)"' EXIT

mails=$BUILD/series
[ -f "$mails/series" ] && [ -f "$mails/0000-cover-letter.patch" ] ||
	fail "no mails in $mails: run harness/export.sh first"
[ -f "$src/Makefile" ] || fail "$src is missing: run harness/tree.sh first"
base=$(base_commit)

# The base a git user reads from the cover letter is the one made here.
cover_base=$(sed -n 's/^base-commit: //p' "$mails/0000-cover-letter.patch")
[ -n "$cover_base" ] || fail "the cover letter has no base-commit: line"
[ "$cover_base" = "$base" ] ||
	fail "the cover letter's base-commit $cover_base is not the base commit $base of linux-$ver"

# The clone: made once per build folder, then reset to the base commit.
wt=$BUILD/gitam
export GIT_COMMITTER_NAME=gitam GIT_COMMITTER_EMAIL=gitam@localhost
if [ -d "$wt/.git" ] && git -C "$wt" cat-file -e "$base^{commit}" 2>/dev/null; then
	rm -rf "$wt/.git/rebase-apply"
	git -C "$wt" checkout -q -f --detach "$base"
	git -C "$wt" clean -q -f -d -x
else
	say "gitam: checking out linux-$ver into $wt"
	rm -rf "$wt"
	git clone -q --shared --no-checkout "$base_repo" "$wt"
	git -C "$wt" config gc.auto 0
	git -C "$wt" checkout -q --detach "$base"
fi

mapfile -t patches < <(sed "s|^|$mails/|" "$mails/series")
[ ${#patches[@]} -gt 0 ] || fail "$mails/series lists no mail"
log=$BUILD/gitam.log
if ! git -C "$wt" am -q --no-3way "${patches[@]}" > "$log" 2>&1; then
	at=$(grep -m1 '^Patch failed at' "$log" || true)
	err=$(grep -m1 -E '^(error|fatal):' "$log" || tail -n1 "$log")
	git -C "$wt" am --abort > /dev/null 2>&1 || true
	fail "git am stopped: ${at:-at an unknown mail}: $err (log: $log)"
fi
n=$(git -C "$wt" rev-list --count "$base..HEAD")
[ "$n" = ${#patches[@]} ] || fail "git am made $n commits of ${#patches[@]} mails"

# Byte for byte, symlinks as links; the harness's stamps and Python's
# bytecode caches are not the tree's.
if ! out=$(diff -r -q --no-dereference -x .git -x .series-stamp -x .series-files -x __pycache__ \
	"$wt" "$src" 2>&1); then
	first=$(echo "$out" | head -n1)
	f=$(echo "$first" | sed -n "s|^Files $wt/\(.*\) and .* differ\$|\1|p")
	hunk=
	[ -z "$f" ] || hunk=$(diff -u "$wt/$f" "$src/$f" | sed -n '3,8p' | tr '\n' ' ' || true)
	echo "$out" | head -n10 | sed 's/^/    /' >&2
	fail "the tree of git am and $src differ in $(echo "$out" | wc -l) path(s), first: $first${hunk:+ (-git am +tree.sh: $hunk)}"
fi
# diff -r compares contents only: the mode git records is the owner's x bit.
while IFS= read -r f; do
	[ -e "$src/$f" ] || continue
	a=-; [ -x "$wt/$f" ] && a=x
	b=-; [ -x "$src/$f" ] && b=x
	[ "$a" = "$b" ] || fail "$f: executable in one tree only (git am: $a, tree.sh: $b)"
done < "$src/.series-files"

say "gitam: ${#patches[@]} mails applied with git am to ${base:0:12} (linux-$ver): the tree of tree.sh, byte for byte"
result PASS "${#patches[@]} commits on base-commit ${base:0:12} (Linux $ver); diff -r against $src: identical"
