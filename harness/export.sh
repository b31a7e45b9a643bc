#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Export the series as git format-patch mails into $BUILD/series/: a cover
# letter (the text of ./cover-letter, with the latest benchmark table of
# RESULTS.md), the patches, and a quilt "series" file listing them.
#
# A scratch git repository holds the pristine 6.12 version of every file
# the series touches; each group of series entries (a patch with a mail
# header and the entries after it) becomes one commit with that header's
# author, subject and message, and git format-patch writes the mails.

. "$(dirname "$0")/lib.sh"

pristine=$(pristine_dir)
ver=$(kernel_version "$pristine")
repo=$BUILD/export.git
out=$BUILD/series
mapfile -t entries < <(series_entries ours)

rm -rf "$repo" "$out"
mkdir -p "$repo"
git -C "$repo" init -q
git -C "$repo" config user.name "$(git -C "$ROOT" config user.name || echo harness)"
git -C "$repo" config user.email "$(git -C "$ROOT" config user.email || echo harness@localhost)"

# The base: pristine copies of the files the series touches.
for e in "${entries[@]}"; do
	case "$e" in
	*.patch) grep -E '^(---|\+\+\+) ' "$ROOT/$e" | awk '{print $2}' | sed 's|^[^/]*/||' ;;
	*) echo "$e" ;;
	esac
done | sort -u | while IFS= read -r f; do
	if [ -f "$pristine/$f" ]; then
		mkdir -p "$(dirname "$repo/$f")"
		cp "$pristine/$f" "$repo/$f"
	fi
done
export GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
git -C "$repo" add -A
git -C "$repo" commit -q --allow-empty -m "linux-$ver: the files the series touches"

# header PATCH FIELD: a mail header field of PATCH, empty if none
header() { sed -n "/^---\$/q; s/^$2: //p" "$1" | head -n1; }

msg=$BUILD/export.msg
author=
commit_pending() {
	[ -n "$author" ] || return 0
	git -C "$repo" add -A
	git -C "$repo" commit -q --allow-empty --author="$author" -F "$msg"
}
for e in "${entries[@]}"; do
	if [[ "$e" == *.patch ]] && [ -n "$(header "$ROOT/$e" Subject)" ]; then
		commit_pending
		author=$(header "$ROOT/$e" From)
		[ -n "$author" ] || die "$e: a mail header needs a From: line"
		{
			header "$ROOT/$e" Subject | sed -E 's/^\[PATCH[^]]*\] *//'
			echo
			# The body: after the header's first blank line, up to "---".
			sed -n '/^$/,/^---$/p' "$ROOT/$e" | sed '1d;$d'
		} > "$msg"
	elif [ -z "$author" ]; then
		die "series: $e comes before any patch with a mail header"
	fi
	case "$e" in
	*.patch) patch -p1 -d "$repo" -s -f -F0 --no-backup-if-mismatch < "$ROOT/$e" >/dev/null ||
		die "$e does not apply to the export tree" ;;
	*) mkdir -p "$(dirname "$repo/$e")"; cp "$ROOT/$e" "$repo/$e" ;;
	esac
done
commit_pending

git -C "$repo" format-patch -q --cover-letter -o "$out" \
	HEAD~"$(git -C "$repo" rev-list --count HEAD~1)"
# The cover letter: the series' own text, with the latest benchmark table
# and the base. The scratch commits hold only the touched files, so
# format-patch --base cannot name the base: its line is written from the
# commit of the whole pristine tree that gitam.sh makes (once per machine).
base=$(bash "$ROOT/harness/gitam.sh" --base) || die "no base commit: see harness/gitam.sh"
pkg=$(basename "$TARBALL" .tar.xz)
pkgver=$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null || true)
python3 "$ROOT/harness/cover.py" "$out/0000-cover-letter.patch" \
	"$ROOT/cover-letter" "$ROOT/RESULTS.md" \
	"Linux $ver (Debian $pkg${pkgver:+ $pkgver}); the base-commit below is $(bash "$ROOT/harness/gitam.sh" --about)" \
	"$base" ||
	die "the cover letter could not be filled in"
# The mails double as a quilt series: QUILT_PATCHES=$out quilt push -a
(cd "$out" && ls ./*.patch | sed 's|^\./||' | grep -v '^0000-cover-letter') > "$out/series"
say "exported $(grep -c . "$out/series") patches against linux-$ver to $out/"
sed 's/^/    /' "$out/series" >&2
