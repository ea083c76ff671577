#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# xhci-sideband's view of xhci-hcd on the reference kernel, every way the
# build can get it, and the API forms no kernel here has:
#  1. no source: layouts generated from 6.12.111's BTF;
#  2. the 6.12.111 source (KSRC=), cross-checked against that BTF; the two
#     modules' code must be the same instruction for instruction;
#  3. forms simulated the way they were found: a copy of the 6.12.111 tree
#     whose xhci.h has the one 6.8-6.11 difference (two-argument
#     xhci_create_secondary_interrupter(); and, 6.8.0/6.8.1, no
#     ip_autoclear), built with KSRC=<copy> (UOB_XHCI_BTF=n: this BTF is
#     6.12's, so the cross-check is off), probe results checked against
#     the "6.8-sim" / "6.8.0-sim" columns of tests/conftest/expected.txt;
#  4. the cross-check can fail: the same 6.8 tree with the BTF check on,
#     and a tree with a member inserted into struct xhci_ring, must not build.
set -euo pipefail
UOB_STEP=xhci-forms
. "$(dirname "$0")/lib.sh"

uob_provision base
k=$UOB_REF_KVER
sim=$UOB_CACHE/scratch/xhci-sim

build() {	# build NAME MAKEARGS...: sets B; returns make's status
	B=$UOB_CACHE/scratch/xhci-$1; shift
	rm -rf "$B"; mkdir -p "$B"
	uob_copy_tree "$B"
	make -C "$B" KVER="$k" W=1 KCFLAGS=-Werror "$@" >"$B/build.log" 2>&1
}
built_all() {	# the three modules, and no warning
	local m
	for m in usb-offload/usb-offload xhci-sideband/xhci-sideband qc-audio-offload/qc-audio-offload; do
		[ -f "$B/$m.ko" ] || uob_die "$B: $m.ko not built"
	done
	! grep -E '(warning|error):' "$B/build.log" || uob_die "$B: warnings"
}
says() {	# says TEXT: the build log says it
	grep -F "$1" "$B/build.log" >&2 || { tail -20 "$B/build.log" >&2; uob_die "$B/build.log lacks: $1"; }
}
# simtree NAME: a copy of the 6.12.111 source (hard links; sed -i replaces
# an edited file, it does not write through).  The copy is of the source's
# contents: with a UOB_CACHE whose source is a symlink, "cp -al SRC T" made
# T a symlink and the edits landed in the shared source (seen once).
simtree() {
	T=$sim/$1
	rm -rf "$T"; mkdir -p "$T"
	cp -al "$(readlink -f "$UOB_REF_SRC")/." "$T"
	X=$T/drivers/usb/host/xhci.h
	[ ! -L "$T" ] && [ "$(stat -c %d:%i "$T")" != "$(stat -L -c %d:%i "$UOB_REF_SRC")" ] ||
		uob_die "$T is the shared source itself"
}
# the shared source must come out of this as it went in
pristine() {
	if grep -q uob_injected "$UOB_REF_SRC/drivers/usb/host/xhci.h" ||
	   ! grep -q 'ip_autoclear' "$UOB_REF_SRC/drivers/usb/host/xhci.h"; then
		uob_die "the shared source $UOB_REF_SRC was edited by a simulation"
	fi
}

# 1. BTF only
t0=$(date +%s.%N)
build btf || { tail -20 "$B/build.log" >&2; uob_die "build from BTF failed"; }
t1=$(date +%s.%N)
built_all
says "xhci-sideband: xHCI layouts from the BTF of "
"$UOB_TOP/scripts/probe-expect.sh" "$B/compat/generated/uob_autoconf.h" "$UOB_REF_UPSTREAM"
btf=$B
# the BTF step alone, cold (its cache removed)
rm -rf "$B/compat/generated/xhci-btf"
t2=$(date +%s.%N)
"$UOB_TOP/scripts/btf-layouts.sh" "$k" "$UOB_REF_KDIR" "$B/compat/generated" "$UOB_TOP/compat/xhci-btf.list" >/dev/null
t3=$(date +%s.%N)
uob_log "build from BTF: $(awk "BEGIN{printf \"%.1f\", $t1-$t0}") s in all, of which the BTF step (cold) $(awk "BEGIN{printf \"%.2f\", $t3-$t2}") s"
# an edited source rebuilt in the same tree, with the BTF result cached (a
# second make once lost the layout asserts and failed: no
# uob_xhci_btf_check.h)
touch "$B/xhci-sideband/sideband.c"
make -C "$B" KVER="$k" W=1 KCFLAGS=-Werror >"$B/rebuild.log" 2>&1 ||
	{ tail -20 "$B/rebuild.log" >&2; uob_die "a second make in the same tree failed"; }
grep -q 'CC \[M\].*sideband.o' "$B/rebuild.log" || uob_die "the rebuild did not recompile sideband.c"
uob_log "a second make in the same tree, sideband.c edited: rebuilt"

# 2. source, cross-checked
build src KSRC="$UOB_REF_SRC" || { tail -20 "$B/build.log" >&2; uob_die "build from source failed"; }
built_all
says "cross-checked against the BTF of"
"$UOB_TOP/scripts/probe-expect.sh" "$B/compat/generated/uob_autoconf.h" "$UOB_REF_UPSTREAM"
dis() { objdump -d --no-show-raw-insn -r "$1" | sed 1,3d; }
if ! cmp -s <(dis "$btf/xhci-sideband/sideband.o") <(dis "$B/xhci-sideband/sideband.o"); then
	diff <(dis "$btf/xhci-sideband/sideband.o") <(dis "$B/xhci-sideband/sideband.o") | head -20 >&2
	uob_die "sideband.o differs between the BTF and the source build"
fi
uob_log "6.12.111: BTF build and source build (cross-checked) give the same sideband.o code"

# 3. the 6.8-6.11 forms, simulated
simtree 6.8
sed -i -z 's/xhci_create_secondary_interrupter(struct usb_hcd \*hcd, unsigned int segs,\n\t\t\t\t  u32 imod_interval);/xhci_create_secondary_interrupter(struct usb_hcd *hcd, int num_seg);/' "$X"
grep -q 'xhci_create_secondary_interrupter(struct usb_hcd \*hcd, int num_seg);' "$X" ||
	uob_die "could not give $X the 6.8 prototype"
build sim-6.8 KSRC="$T" UOB_XHCI_BTF=n || { tail -20 "$B/build.log" >&2; uob_die "6.8 form: build failed"; }
built_all
"$UOB_TOP/scripts/probe-expect.sh" "$B/compat/generated/uob_autoconf.h" 6.8-sim
uob_log "6.8-6.11 form (simulated: 6.12.111 tree, two-argument prototype): built"

# 4a. ... which the 6.12.111 BTF contradicts
if build sim-6.8-btf KSRC="$T"; then
	uob_die "the 6.8 prototype against 6.12.111's BTF built: the API cross-check sees nothing"
fi
says "BTF disagree on xhci_create_secondary_interrupter()"
uob_log "the same tree cross-checked against 6.12.111's BTF: refused, as it must be"

simtree 6.8.0
sed -i -z 's/xhci_create_secondary_interrupter(struct usb_hcd \*hcd, unsigned int segs,\n\t\t\t\t  u32 imod_interval);/xhci_create_secondary_interrupter(struct usb_hcd *hcd, int num_seg);/' "$X"
sed -i '/^struct xhci_interrupter {/,/^};/{/\tbool\t\t\tip_autoclear;/d}' "$X"
! grep -q 'ip_autoclear' "$X" || uob_die "could not remove ip_autoclear from $X"
build sim-6.8.0 KSRC="$T" UOB_XHCI_BTF=n || { tail -20 "$B/build.log" >&2; uob_die "6.8.0 form: build failed"; }
built_all
"$UOB_TOP/scripts/probe-expect.sh" "$B/compat/generated/uob_autoconf.h" 6.8.0-sim
uob_log "6.8.0/6.8.1 form (simulated: also no ip_autoclear): built"

# 4b. a layout that is not the kernel's
simtree layout
sed -i 's/^\tunsigned int\t\tnum_segs;$/\tu32\t\t\tuob_injected;\n&/' "$X"
grep -q uob_injected "$X" || uob_die "could not change struct xhci_ring in $X"
if build layout KSRC="$T"; then
	uob_die "a changed struct xhci_ring built: the layout cross-check sees nothing"
fi
says "offsetof(struct xhci_ring, num_segs)"
uob_log "struct xhci_ring with an extra member, cross-checked against the BTF: refused"
pristine
rm -rf "$sim"
