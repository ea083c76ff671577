#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The 7.2 kernel of the parity guests (scripts/parity.sh): the source the
# kunit-7.2 and build-7.2 steps use (scripts/newer-source.sh), configured
# from tests/parity/kernel-7.2.config alone + olddefconfig (as kunit.py
# configures its kernel), bzImage and modules in
# $UOB_CACHE/parity-build-<version>, modules installed (depmod) into its
# staging/.  Why not the kunit-7.2 kernel itself: see the fragment.
#
# Cached: keyed by the fragment's content and the source's version; when
# neither changed nothing runs.  Prints the build directory.
set -euo pipefail
UOB_STEP=parity-kernel
. "$(dirname "$0")/lib.sh"

uob_provision guest newer >&2

src=$("$UOB_TOP/scripts/newer-source.sh")
ver=$(cat "$src/.uob-unpacked")
upstream=${ver%%-*}
frag=$UOB_TOP/tests/parity/kernel-7.2.config
obj=$UOB_CACHE/parity-build-$upstream
key=$( (cat "$frag"; echo "$ver") | sha256sum | cut -d' ' -f1)
if [ "$(cat "$obj/.uob-built" 2>/dev/null)" = "$key" ] && [ -f "$obj/arch/x86/boot/bzImage" ]; then
	uob_log "parity kernel $(cat "$obj/include/config/kernel.release"): cached"
	echo "$obj"
	exit 0
fi

start=$(date +%s)
if [ "$(cat "$obj/.uob-config" 2>/dev/null)" != "$key" ]; then
	uob_log "configuring $src in $obj"
	rm -rf "$obj"; mkdir -p "$obj"
	cp "$frag" "$obj/.config"
	make -s -C "$src" O="$obj" ARCH=x86_64 olddefconfig >/dev/null
	for o in $(grep -o '^CONFIG_[A-Z0-9_]*' "$frag"); do
		grep -q "^$o=" "$obj/.config" || uob_die "$frag: $o does not stick"
	done
	echo "$key" >"$obj/.uob-config"
fi
rm -f "$obj/.uob-built"
uob_log "building the parity kernel in $obj (bzImage + modules, -j$(nproc))"
make -s -C "$src" O="$obj" ARCH=x86_64 -j"$(nproc)" bzImage modules >&2 ||
	uob_die "parity kernel build failed"
rm -rf "$obj/staging"
make -s -C "$src" O="$obj" ARCH=x86_64 INSTALL_MOD_PATH="$obj/staging" \
	DEPMOD=/sbin/depmod modules_install >/dev/null || uob_die "modules_install failed"
rel=$(cat "$obj/include/config/kernel.release")
[ -s "$obj/staging/lib/modules/$rel/modules.dep" ] || uob_die "no modules.dep (depmod)"
echo "$key" >"$obj/.uob-built"
uob_log "parity kernel $rel built in $(( $(date +%s) - start )) s"
echo "$obj"
