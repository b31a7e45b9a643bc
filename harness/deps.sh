#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the harness needs and the machine lacks (Debian packages).
set -euo pipefail

pkgs=(linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev
      cpio kmod xz-utils patch git python3 qemu-system-x86 busybox-static
      ccache quilt python3-sphinx)
# make bench draws its plot with matplotlib.
[ "${1:-}" = bench ] && pkgs+=(python3-matplotlib)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
echo "==> installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
	"${missing[@]}" >/dev/null
