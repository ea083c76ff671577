#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel of make e2e-debug from the pinned 6.12.111
# linux-source: x86_64 defconfig + tests/debug-kernel.config (KASAN,
# lockdep, kmemleak, debug objects, SLUB debugging, atomic-sleep and
# hung-task detection), bzImage and modules in $UOB_DEBUG_OBJ, the modules
# installed (and depmod'ed) into $UOB_DEBUG_MODROOT for the guest.
#
# Cached: the build is keyed by the fragment's settings (not its comments)
# and the source's Debian version; when neither changed, nothing is run at
# all.  A changed fragment configures the tree again in place, and kbuild
# rebuilds what the new .config changes; an interrupted build resumes.
set -euo pipefail
UOB_STEP=debug-kernel
. "$(dirname "$0")/lib.sh"

uob_provision base

frag=$UOB_TOP/tests/debug-kernel.config
obj=$UOB_DEBUG_OBJ
key=$( (uob_config_sum "$frag"; echo "$UOB_REF_DEBVER") | sha256sum | cut -d' ' -f1)
if [ "$(cat "$obj/.uob-built" 2>/dev/null)" = "$key" ] && [ -f "$UOB_DEBUG_IMAGE" ]; then
	uob_log "debug kernel $(cat "$obj/include/config/kernel.release"): cached"
	exit 0
fi

# objects of another source version must not survive into this build
[ "$(cat "$obj/.uob-src" 2>/dev/null)" = "$UOB_REF_DEBVER" ] || rm -rf "$obj"
start=$(date +%s)
uob_prepare_tree "$UOB_REF_SRC" "$obj" "$frag" defconfig
echo "$UOB_REF_DEBVER" >"$obj/.uob-src"
rm -f "$obj/.uob-built"
uob_log "building the debug kernel in $obj (bzImage + modules, -j${UOB_DEBUG_JOBS:-2})"
make -s -C "$UOB_REF_SRC" O="$obj" -j"${UOB_DEBUG_JOBS:-2}" bzImage modules ||
	uob_die "debug kernel build failed"
rm -rf "$UOB_DEBUG_MODROOT"
make -s -C "$UOB_REF_SRC" O="$obj" INSTALL_MOD_PATH="$UOB_DEBUG_MODROOT" \
	DEPMOD=/sbin/depmod modules_install >/dev/null || uob_die "modules_install failed"
rel=$(cat "$obj/include/config/kernel.release")
[ -s "$UOB_DEBUG_MODROOT/lib/modules/$rel/modules.dep" ] ||
	uob_die "no modules.dep in $UOB_DEBUG_MODROOT/lib/modules/$rel (depmod)"
echo "$key" >"$obj/.uob-built"
uob_log "debug kernel $rel built in $(( $(date +%s) - start )) s"
