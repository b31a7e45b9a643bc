#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Lay out $BUILD/$KERNEL/src: a fresh copy of the pristine 6.12 tree with
# the flavour's series entries applied in order.
#
# A series entry is either a patch (*.patch, applied with patch -p1 and no
# fuzz) or a whole file (copied to the same path in the tree). The copy is
# assembled beside the current tree and only replaces it once every entry
# applied, so a patch that does not apply leaves nothing half-done: the
# script names the patch and its failing hunk and stops.
#
# The copy hard-links unchanged files to the pristine tree. Files the
# series touches now or touched last time get their own inode; the ones
# whose content did not change since the previous tree keep its mtime, so
# the out-of-tree build only recompiles what really changed.

. "$(dirname "$0")/lib.sh"

pristine=$(pristine_dir)
ver=$(kernel_version "$pristine")
mkdir -p "$TREE_DIR"

mapfile -t entries < <(series_entries "$KERNEL")
# A mutant of the series (make mutants, harness/mutants.sh): one more
# patch, applied last, named relative to the repository.
[ -n "${MUTANT:-}" ] && entries+=("$MUTANT")
for e in "${entries[@]}"; do
	[ -f "$ROOT/$e" ] || die "series: $e is listed but does not exist"
done

# Everything the tree depends on, to skip the work when nothing changed.
stamp=$(series_stamp "$pristine" "${entries[@]}")
if [ -f "$SRC/.series-stamp" ] && [ "$(cat "$SRC/.series-stamp")" = "$stamp" ]; then
	say "linux-$ver ($KERNEL): tree up to date, ${#entries[@]} series entries"
	exit 0
fi

new=$TREE_DIR/src.new
rm -rf "$new"
say "linux-$ver ($KERNEL): copying the pristine tree"
cp -al "$pristine" "$new"

# Print the @@ line of hunk N of FILE in PATCH.
hunk_header() {
	awk -v file="$2" -v n="$3" '
		/^\+\+\+ / { p = $2; sub(/^[^\/]*\//, "", p); cur = (p == file); h = 0; next }
		cur && /^@@ / { if (++h == n) { print; exit } }' "$1"
}

touched=$new/.series-files
: > "$touched"
for e in "${entries[@]}"; do
	case "$e" in
	*.patch)
		if ! out=$(patch -p1 -d "$new" --dry-run -f -F0 --no-backup-if-mismatch < "$ROOT/$e" 2>&1); then
			{
				echo "series: $e does not apply to linux-$ver ($KERNEL):"
				echo "$out" | sed 's/^/    /'
				file=
				while IFS= read -r l; do
					case "$l" in
					'checking file '*) file=${l#checking file } ;;
					'Hunk #'*FAILED*)
						n=${l#Hunk #}; n=${n%% *}
						echo "  failing hunk #$n of $file: $(hunk_header "$ROOT/$e" "$file" "$n")"
						;;
					esac
				done <<< "$out"
				echo "series: stopped at $e; the tree was left as it was"
			} >&2
			rm -rf "$new"
			exit 1
		fi
		patch -p1 -d "$new" -s -f -F0 --no-backup-if-mismatch < "$ROOT/$e" >/dev/null
		grep -E '^\+\+\+ ' "$ROOT/$e" | awk '{print $2}' | sed 's|^[^/]*/||' >> "$touched"
		;;
	*)
		mkdir -p "$(dirname "$new/$e")"
		rm -f "$new/$e"
		cp "$ROOT/$e" "$new/$e"
		echo "$e" >> "$touched"
		;;
	esac
done
sort -u -o "$touched" "$touched"

# Give every file touched now or last time its own inode and the right mtime.
{ cat "$touched"; if [ -f "$SRC/.series-files" ]; then cat "$SRC/.series-files"; fi; } | sort -u |
while IFS= read -r f; do
	[ -e "$new/$f" ] || continue
	if [ "$(stat -c %h "$new/$f")" -gt 1 ]; then
		cp -p "$new/$f" "$new/$f.unlink" && mv "$new/$f.unlink" "$new/$f"
	fi
	if [ -f "$SRC/$f" ] && cmp -s "$SRC/$f" "$new/$f"; then
		touch -r "$SRC/$f" "$new/$f"
	else
		touch "$new/$f"
	fi
done

echo "$stamp" > "$new/.series-stamp"
rm -rf "$SRC.old"
[ -d "$SRC" ] && mv "$SRC" "$SRC.old"
mv "$new" "$SRC"
rm -rf "$SRC.old"
say "linux-$ver ($KERNEL): applied ${#entries[@]} series entries"
