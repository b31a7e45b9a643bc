#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Change one series entry in a tree and write the change back.
#
#   refresh.sh --edit ENTRY  lay out $BUILD/edit/src: the pristine tree with
#                            every entry up to and including ENTRY applied;
#                            the state before ENTRY is kept beside it
#   refresh.sh [ENTRY]       write the edits of $BUILD/edit/src back into
#                            ENTRY: a whole file is copied back, a patch is
#                            made again from the files it touches, its mail
#                            header and message kept as they are
#   refresh.sh --check       every patch of the series, made again from the
#                            tree it applies to, is the file as it is; the
#                            series with every patch made again (diff -u)
#                            applies to the same tree and exports the same
#                            mails; prints one result row of review.sh's
#   refresh.sh --normalise   write those diff -u patches into the repository
#
# The patches are "diff -u" with a/ and b/ labels and no timestamps, most
# of them as GNU diff writes them, some as "git diff" does (it places an
# added block that begins like its neighbour elsewhere). A patch is made
# again the way it was made, so that a refresh without an edit changes no
# byte. A patch whose hunks only sit at other line numbers than it says
# (it applies at an offset) is kept as it is unless FORCE=1.
#
# Only the files of ENTRY are written back. The edit tree shares the
# inodes of the files no entry touches with the pristine tree, as the
# tree of tree.sh does: edit only the files of the series.

. "$(dirname "$0")/lib.sh"

export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
pristine=$(pristine_dir)
mapfile -t entries < <(series_entries ours)
ED=$BUILD/edit
FORCE=${FORCE:-0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# patch_files PATCH: the paths a patch writes, from its +++ lines.
patch_files() { grep -E '^\+\+\+ ' "$1" | awk '{print $2}' | sed 's|^[^/]*/||'; }

# entry_files ENTRY [PATCH]: the paths an entry writes (PATCH: the text
# of the patch to read, by default the entry in the repository).
entry_files() {
	case "$1" in
	*.patch) patch_files "${2:-$ROOT/$1}" ;;
	*) echo "$1" ;;
	esac
}

# prefix PATCH: what comes before the diff (the mail header and message).
prefix() { sed -n '/^--- /q; p' "$1"; }

# file_diff DIALECT FILE BEFORE AFTER: the diff of FILE between two trees,
# as the series writes it ("diff -u", a/ b/ labels, no function context).
file_diff() {
	local a=$3/$2 b=$4/$2 la=a/$2 lb=b/$2 rc=0
	[ -e "$a" ] || { a=/dev/null; la=/dev/null; }
	[ -e "$b" ] || { b=/dev/null; lb=/dev/null; }
	case "$1" in
	git)
		# Outside any repository, so that no attribute or config counts.
		(cd / && git diff --no-index --no-color --no-ext-diff --no-textconv \
			--diff-algorithm=myers --indent-heuristic -U3 "$a" "$b") > "$tmp/git.diff" || rc=$?
		[ $rc -le 1 ] || die "git diff of $2 failed"
		if [ -s "$tmp/git.diff" ]; then
			printf -- '--- %s\n+++ %s\n' "$la" "$lb"
			sed -e '1,/^+++ /d' -E -e 's/^(@@ -[0-9,]+ \+[0-9,]+ @@).*/\1/' "$tmp/git.diff"
		fi
		;;
	*)
		diff -u --label "$la" --label "$lb" "$a" "$b" || rc=$?
		[ $rc -le 1 ] || die "diff of $2 failed"
		;;
	esac
}

# make_patch DIALECT PATCH BEFORE AFTER: PATCH's header, then the diff of
# the files PATCH touches.
make_patch() {
	local f
	prefix "$2"
	for f in $(patch_files "$2"); do
		file_diff "$1" "$f" "$3" "$4"
	done
}

# Hunk headers without their line numbers, for "the same but at an offset".
unnumbered() { sed -E 's/^@@ -[0-9]+(,[0-9]+)? \+[0-9]+(,[0-9]+)? @@/@@ -\1 +\2 @@/' "$1"; }

# dialect PATCH BEFORE AFTER OUT: how PATCH was made from BEFORE and AFTER:
# "gnu" or "git" (byte for byte), "gnu-offset" or "git-offset" (but for
# the line numbers of its hunks), or "other". OUT gets the diff -u version.
dialect() {
	local git=$tmp/git.patch
	make_patch gnu "$1" "$2" "$3" > "$4"
	cmp -s "$4" "$1" && { echo gnu; return; }
	make_patch git "$1" "$2" "$3" > "$git"
	if cmp -s "$git" "$1"; then echo git
	elif cmp -s <(unnumbered "$4") <(unnumbered "$1"); then echo gnu-offset
	elif cmp -s <(unnumbered "$git") <(unnumbered "$1"); then echo git-offset
	else echo other
	fi
}

# apply DIR ENTRY: one series entry, as tree.sh applies it.
apply() {
	case "$2" in
	*.patch) patch -p1 -d "$1" -s -f -F0 --no-backup-if-mismatch < "$ROOT/$2" > /dev/null ;;
	*) mkdir -p "$(dirname "$1/$2")"; rm -f "$1/$2"; cp "$ROOT/$2" "$1/$2" ;;
	esac
}

# copy_files FROM TO FILE...: the files that FROM has, with their folders.
copy_files() {
	local from=$1 to=$2 f
	shift 2
	for f in "$@"; do
		[ -e "$from/$f" ] || continue
		mkdir -p "$(dirname "$to/$f")"
		rm -f "$to/$f"
		cp -p "$from/$f" "$to/$f"
	done
}

# Every path the series writes, once.
mapfile -t all_files < <(for e in "${entries[@]}"; do entry_files "$e"; done | sort -u)

in_series() {
	local e
	for e in "${entries[@]}"; do [ "$e" = "$1" ] && return 0; done
	return 1
}

# edited: the series files of the edit tree that differ from the state
# that --edit left, one a line.
edited() {
	local f
	for f in "${all_files[@]}"; do
		if [ -e "$ED/src/$f" ] || [ -e "$ED/after/$f" ]; then
			cmp -s "$ED/src/$f" "$ED/after/$f" 2>/dev/null || echo "$f"
		fi
	done
}

do_edit() {
	local entry=$1 e new=$ED.new f
	in_series "$entry" || die "$entry is no entry of the series"
	if [ -f "$ED/entry" ] && [ -d "$ED/src" ] && [ "$FORCE" != 1 ]; then
		local left
		left=$(edited)
		[ -z "$left" ] || die "$ED/src has edits not written back (${left//$'\n'/ })," \
			"which FORCE=1 drops; make refresh writes back the files of $(cat "$ED/entry") only"
	fi
	rm -rf "$new"
	mkdir -p "$new/before" "$new/after"
	say "edit: $entry: copying the pristine tree"
	cp -al "$pristine" "$new/src"
	for e in "${entries[@]}"; do
		if [ "$e" = "$entry" ]; then
			mapfile -t files < <(entry_files "$e")
			copy_files "$new/src" "$new/before" "${files[@]}"
		fi
		apply "$new/src" "$e" || { rm -rf "$new"; die "$e does not apply (run harness/tree.sh for its failing hunk)"; }
		[ "$e" = "$entry" ] && break
	done
	# Own inodes: for every file of the series, and every file beside the
	# entry's, so that an edit cannot reach the pristine tree.
	{
		printf '%s\n' "${all_files[@]}"
		for f in "${files[@]}"; do
			(cd "$new/src" && find "$(dirname "$f")" -maxdepth 1 -type f)
		done
	} | sed 's|^\./||' | sort -u | while IFS= read -r f; do
		if [ -f "$new/src/$f" ] && [ "$(stat -c %h "$new/src/$f")" -gt 1 ]; then
			cp -p "$new/src/$f" "$new/src/$f.unlink" && mv "$new/src/$f.unlink" "$new/src/$f"
		fi
	done
	copy_files "$new/src" "$new/after" "${all_files[@]}"
	echo "$entry" > "$new/entry"
	cp "$ROOT/$entry" "$new/orig"
	case "$entry" in
	*.patch) dialect "$new/orig" "$new/before" "$new/src" "$new/gnu" > "$new/dialect"
		rm -f "$new/gnu" ;;
	*) echo file > "$new/dialect" ;;
	esac
	rm -rf "$ED"
	mv "$new" "$ED"
	say "edit: $ED/src is the tree right after $entry; its files:"
	printf '    %s\n' "${files[@]}" >&2
	say "edit them there, then: make refresh P=$entry"
}

# check_applies: the whole series still applies, entry by entry, to a
# copy of the files it touches; names the first entry that does not.
check_applies() {
	local s=$ED.apply e
	rm -rf "$s"
	mkdir -p "$s"
	copy_files "$pristine" "$s" "${all_files[@]}"
	for e in "${entries[@]}"; do
		apply "$s" "$e" 2>/dev/null ||
			{ rm -rf "$s"; die "the series does not apply any more at $e" \
				"(harness/tree.sh names the hunk): mend $e, or undo the edit and refresh again"; }
	done
	rm -rf "$s"
}

do_refresh() {
	local entry=${1:-} d new=$tmp/new.patch left
	[ -f "$ED/entry" ] || die "no edit tree: make edit P=<entry> first"
	[ -n "$entry" ] || entry=$(cat "$ED/entry")
	[ "$entry" = "$(cat "$ED/entry")" ] ||
		die "$ED/src is the tree of $(cat "$ED/entry"), not of $entry"
	in_series "$entry" || die "$entry is no entry of the series any more"
	cmp -s "$ROOT/$entry" "$ED/orig" ||
		die "$entry changed in the repository since make edit; your edits stay in $ED/src"
	mapfile -t files < <(entry_files "$entry" "$ED/orig")
	left=$(edited | grep -vxF -f <(printf '%s\n' "${files[@]}") || true)
	[ -z "$left" ] || say "refresh: not part of $entry, not written back: ${left//$'\n'/ }"
	case "$entry" in
	*.patch)
		d=$(cat "$ED/dialect")
		case "$d" in git*) ;; *) d=gnu ;; esac
		make_patch "$d" "$ED/orig" "$ED/before" "$ED/src" > "$new"
		grep -q '^@@ ' "$new" || { rm -f "$new"; die "$entry would change nothing: drop it from the series instead"; }
		if cmp -s "$new" "$ROOT/$entry"; then
			rm -f "$new"; say "refresh: $entry: no change"; return
		fi
		if [ "$FORCE" != 1 ] && cmp -s <(unnumbered "$new") <(unnumbered "$ROOT/$entry"); then
			rm -f "$new"
			say "refresh: $entry: no change but its line numbers (it applies at an offset): kept; FORCE=1 writes them"
			return
		fi
		# Written in place: the file keeps its mode.
		cat "$new" > "$ROOT/$entry"
		rm -f "$new"
		;;
	*)
		if cmp -s "$ED/src/$entry" "$ROOT/$entry"; then say "refresh: $entry: no change"; return; fi
		cat "$ED/src/$entry" > "$ROOT/$entry"
		;;
	esac
	cp "$ROOT/$entry" "$ED/orig"
	copy_files "$ED/src" "$ED/after" "${files[@]}"
	say "refresh: wrote $entry"
	check_applies
	say "refresh: the series still applies; make check (or harness/refresh.sh --check) for the rest"
}

# check_pass: one pass over the series in a copy of the files it touches;
# every patch made again, counted by how it compares, and the repository
# as it would be with every patch made by diff -u in $chk/repo.
chk=$BUILD/refresh-check
n=0 same_gnu=0 same_git=0 offset=() other=()
check_pass() {
	local e d s=$chk/files b=$chk/before
	rm -rf "$chk"
	mkdir -p "$s" "$chk/repo"
	copy_files "$pristine" "$s" "${all_files[@]}"
	# The repository but its git folder and build folder (the texts of the
	# cover letter, the harness), for tree.sh and export.sh to run from.
	tar -C "$ROOT" --exclude=./.git --exclude="./${BUILD#"$ROOT"/}" -cf - . |
		tar -C "$chk/repo" -xf -
	for e in "${entries[@]}"; do
		mkdir -p "$(dirname "$chk/repo/$e")"
		case "$e" in
		*.patch)
			n=$((n + 1))
			rm -rf "$b"
			mkdir -p "$b"
			mapfile -t files < <(entry_files "$e")
			copy_files "$s" "$b" "${files[@]}"
			apply "$s" "$e" || return 1
			d=$(dialect "$ROOT/$e" "$b" "$s" "$chk/repo/$e")
			case "$d" in
			gnu) same_gnu=$((same_gnu + 1)) ;;
			git) same_git=$((same_git + 1)) ;;
			*-offset) offset+=("$e") ;;
			*) other+=("$e") ;;
			esac
			;;
		*) apply "$s" "$e"; cp -p "$ROOT/$e" "$chk/repo/$e" ;;
		esac
	done
}

do_check() {
	local suite="review: refresh" summary out f
	local name="every patch is made again byte for byte from the tree it applies to (refresh.sh --check)"
	result() {
		printf '%s\t%s\t%s\t%s\n' "$suite" "$name" "$1" "$(printf '%s' "${2:-}" | tr '\t\n' '  ')"
		[ "$1" = PASS ] || { printf 'error: refresh: %s\n' "$2" >&2; exit 1; }
	}
	check_pass 2>/dev/null || result FAIL "the series does not apply: run harness/tree.sh"
	summary="$n patches: $same_gnu as diff -u makes them, $same_git as git diff does"
	[ ${#offset[@]} = 0 ] ||
		summary+="; ${#offset[@]} but for the line numbers of hunks that apply at an offset (${offset[*]})"
	[ ${#other[@]} = 0 ] ||
		result FAIL "$summary; ${#other[@]} made otherwise, a refresh would change them: ${other[*]}"
	# The pass gave the files of the tree of tree.sh.
	KERNEL=ours bash "$ROOT/harness/tree.sh" 2>/dev/null || result FAIL "harness/tree.sh failed"
	for f in "${all_files[@]}"; do
		if [ -e "$chk/files/$f" ] || [ -e "$BUILD/ours/src/$f" ]; then
			cmp -s "$chk/files/$f" "$BUILD/ours/src/$f" 2>/dev/null ||
				result FAIL "$summary; $f after the series is not the one of harness/tree.sh"
		fi
	done
	# The series made again applies from scratch and gives the same mails:
	# export.sh applies every entry as tree.sh does (patch -p1 -F0), and
	# the mails hold every file that it changes. Both exports run under
	# one committer, since the mails name their commits.
	export GIT_COMMITTER_NAME=refresh GIT_COMMITTER_EMAIL=refresh@localhost
	BUILD=$chk/export bash "$ROOT/harness/export.sh" 2>/dev/null &&
		BUILD=$chk/build bash "$chk/repo/harness/export.sh" 2>/dev/null ||
		result FAIL "$summary; harness/export.sh failed"
	out=$(diff -r -q "$chk/export/series" "$chk/build/series" 2>&1) ||
		result FAIL "$summary; the series made again exports other mails: $(echo "$out" | head -n2)"
	say "refresh: $summary"
	say "refresh: made again by diff -u, the series applies and exports the same mails"
	rm -rf "$chk"
	result PASS "$summary; all made again by diff -u, the series applies and exports the same mails"
}

# The proposed normalisation: every patch as diff -u makes it.
do_normalise() {
	local e w=0
	check_pass || die "the series does not apply: run harness/tree.sh"
	[ ${#other[@]} = 0 ] || die "made otherwise, left for a look by hand: ${other[*]}"
	for e in "${entries[@]}"; do
		case "$e" in *.patch) ;; *) continue ;; esac
		if ! cmp -s "$chk/repo/$e" "$ROOT/$e"; then
			cat "$chk/repo/$e" > "$ROOT/$e"
			say "normalise: wrote $e"
			w=$((w + 1))
		fi
	done
	rm -rf "$chk"
	say "normalise: $w patches written as diff -u makes them"
}

case "${1:-}" in
--edit) [ -n "${2:-}" ] || die "usage: refresh.sh --edit ENTRY"; do_edit "$2" ;;
--check) do_check ;;
--normalise) do_normalise ;;
-*) die "usage: refresh.sh --edit ENTRY | refresh.sh [ENTRY] | refresh.sh --check | refresh.sh --normalise" ;;
*) do_refresh "${1:-}" ;;
esac
