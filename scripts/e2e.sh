#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make e2e: the modules in Debian's stock 6.12.111 kernel under QEMU
# (qemu-xhci + usb-audio), driven by the libqrtr DSP client: lookup,
# session, malformed and disallowed requests, hot-unplug and re-plug via
# the QEMU monitor, USB reset from userspace, rmmod with a session active.
# The modules are built by the real dkms in a staging tree
# (scripts/dkms-build.sh); UOB_E2E_KO=<dir> uses modules from elsewhere.
set -euo pipefail
UOB_STEP=e2e
. "$(dirname "$0")/lib.sh"
. "$UOB_TOP/scripts/guest.sh"

"$UOB_TOP/scripts/provision.sh"
uob_need_pkgs cpio busybox-static qemu-system-x86 xz-utils libqrtr-dev qrtr-tools libasound2-dev

# the modules as users get them: built by the real dkms (staging tree)
if [ -z "${UOB_E2E_KO:-}" ]; then
	"$UOB_TOP/scripts/dkms-build.sh" "$UOB_REF_KVER"
	UOB_E2E_KO=$UOB_CACHE/dkms/ko
fi
out=$UOB_CACHE/e2e
uob_guest_rig "$out" "$UOB_TOP/tests/guest/e2e-init.sh" "$UOB_E2E_KO"
uob_log "booting $UOB_REF_IMAGE with the e2e scenarios"
start=$(date +%s)
python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_REF_IMAGE" "$out/initrd.gz" "$out/console.log" 600
rc=$?
uob_log "e2e took $(( $(date +%s) - start )) s; console log: $out/console.log"
exit $rc
