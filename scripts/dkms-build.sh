#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the modules with the real dkms, in a staging dkms tree under the
# cache (the host's /var/lib/dkms and /lib/modules are left to dkms' own
# defaults and not written here), for KVER (default: the reference kernel).
# The .ko files land, decompressed, in $UOB_CACHE/dkms/ko.
#   dkms-build.sh [KVER]
set -euo pipefail
UOB_STEP=dkms
. "$(dirname "$0")/lib.sh"

kver=${1:-$UOB_REF_KVER}
uob_provision base
name=usb-offload-backport
ver=$(cat "$UOB_TOP/VERSION")
grep -q "^PACKAGE_VERSION=\"$ver\"$" "$UOB_TOP/dkms.conf" ||
	uob_die "dkms.conf PACKAGE_VERSION is not $ver (VERSION)"

stage=$UOB_CACHE/dkms
rm -rf "$stage"
mkdir -p "$stage"/{tree,source,install,ko}
src=$stage/source/$name-$ver
mkdir -p "$src"
uob_copy_tree "$src" "${UOB_DKMS_FILES[@]}"

d=(dkms --dkmstree "$stage/tree" --sourcetree "$stage/source" --installtree "$stage/install")
"${d[@]}" add -m "$name" -v "$ver" >"$stage/add.log" 2>&1 ||
	{ cat "$stage/add.log" >&2; uob_die "dkms add failed"; }
t0=$(date +%s.%N)
if ! "${d[@]}" build -m "$name" -v "$ver" -k "$kver" >"$stage/build.log" 2>&1; then
	cat "$stage/build.log" >&2
	find "$stage/tree" -name make.log -exec tail -30 {} \; >&2
	uob_die "dkms build failed"
fi
t1=$(date +%s.%N)
while read -r ko; do
	case $ko in
	*.xz) xz -dc "$ko" >"$stage/ko/$(basename "${ko%.xz}")" ;;
	*) cp "$ko" "$stage/ko/" ;;
	esac
done < <(find "$stage/tree/$name/$ver/$kver" -name '*.ko*')
uob_log "dkms build of $name $ver for $kver: $(awk "BEGIN{printf \"%.1f\", $t1-$t0}") s; modules: $(cd "$stage/ko" && ls | tr '\n' ' ')"
echo "$(awk "BEGIN{printf \"%.1f\", $t1-$t0}")" >"$stage/build-seconds"
"${d[@]}" status -m "$name" >&2
