#!/bin/sh
# /init of the IOMMU e2e guest: Debian's stock 6.12.111 kernel on q35 with
# QEMU's emulated Intel VT-d (intel_iommu=on), so the xHCI controller's DMA
# goes through real (emulated) IOMMU page tables.  The DSP's domain is that
# of a spare PCI device (pci-testdev at 00:10.0) named with iommu_dev=: the
# driver maps the rings and the buffer into it; the DSP client checks that
# every IOVA it is given translates to the same physical page as the
# controller's DMA address, and the driver unmaps all of it on disable and
# on a USB reset mid-stream.  The comparison is to the byte: on a 16K- or
# 64K-page kernel (uob_page_size=) a 4 KiB ring segment may start inside a
# page, and the guest requires a ring that does, so that a driver handing
# the DSP the page instead of the segment fails here.
. /lib/uob/guest-lib.sh

DSPDEV=0000:00:10.0
no_iovas() { grep -q "regions=0" $QC_STATE && ! grep -q "^iova " $QC_STATE; }
xhci_pci() { basename "$(readlink -f /sys/bus/usb/devices/usb1/..)"; }
# every "iova" line of debugfs FILE: the IOVA the DSP was given lands
# (through the DSP's domain) on the byte the controller's DMA address
# lands on (through its own), not 0; the event ring, the transfer ring
# and the buffer are all there
same_bytes() {
	sb_n=0 sb_bad=0
	while read -r sb_w sb_name sb_range sb_dma sb_phys sb_ctrl; do
		[ "$sb_w" = iova ] || continue
		sb_n=$((sb_n + 1))
		if [ "${sb_phys#phys=}" != "${sb_ctrl#ctrl_phys=}" ] || [ $((${sb_phys#phys=})) -eq 0 ]; then
			say "  $sb_name $sb_range: the DSP reaches ${sb_phys#phys=}, the controller ${sb_ctrl#ctrl_phys=} ($sb_dma)"
			sb_bad=$((sb_bad + 1))
		fi
	done <"$1"
	[ $sb_bad -eq 0 ] && grep -q "^iova event-ring " "$1" && grep -q "^iova xfer-ring " "$1" &&
		grep -q "^iova xfer-buf " "$1"
}
# a ring segment of FILE starts inside a page of the guest (PAGE bytes)
sub_page() {
	while read -r sp_w sp_name _ _ _ sp_ctrl; do
		[ "$sp_w" = iova ] || continue
		case $sp_name in event-ring|xfer-ring) ;; *) continue ;; esac
		[ $((${sp_ctrl#ctrl_phys=} % $2)) -ne 0 ] && return 0
	done <"$1"
	return 1
}

uob_load_stock
uob_page_sizes "IOMMU: "
# uob_* from the kernel command line (arm64: scripts/arm64-guest.sh)
ok_if "IOMMU: ${uob_iommu_name:-VT-d} active" [ -e "/sys/class/iommu/${uob_iommu_sysfs:-dmar0}" ]
# on a device-tree system the stand-in joins its SMMU group when a driver binds
if [ -n "${uob_dsp_driver:-}" ]; then
	echo "$uob_dsp_driver" >/sys/bus/pci/devices/$DSPDEV/driver_override
	echo $DSPDEV >/sys/bus/pci/drivers_probe
fi
uob_load_ours iommu_dev=pci:$DSPDEV sid=7
uob_wait_for 300 uob_have_card || fail "card: no USB-Audio card"
ok_if "IOMMU: the controller is translated" [ -e "/sys/bus/pci/devices/$(xhci_pci)/iommu_group" ]
ok_if "IOMMU: the DSP stand-in has a group" [ -e /sys/bus/pci/devices/$DSPDEV/iommu_group ]

# a session: every field, and each region as the DSP sees it
uob-dsp session 0 >/tmp/s.log 2>&1; r=$?
sed 's/^/uob-e2e:   /' /tmp/s.log
ok_if "IOMMU: session with mapped regions" [ $r -eq 0 ]
# a refused session: the kernel's side of it, for whoever reads the log
[ $r -eq 0 ] || dmesg | tail -40 | sed 's/^/uob-e2e:   dmesg: /'
ok_if "IOMMU: the DSP got IOVAs, not DMA addresses" grep -q "DSP domain yes" /tmp/s.log
sed 's/^/uob-e2e:   /' $QC_STATE
ok_if "IOMMU: domain from iommu_dev" grep -q "dsp: domain=yes source=iommu_dev device=$DSPDEV sid=7" $QC_STATE
ok_if "IOMMU: everything unmapped after disable" no_iovas
ok_if "IOMMU: idle after disable" idle

# a USB reset mid-stream: the teardown under the udev lock unmaps too
uob-dsp enable-wait 0 15000 >/tmp/x.log 2>&1 &
pid=$!
uob_wait_for 100 grep -q streaming /tmp/x.log || fail "reset: stream not started"
ok_if "IOMMU: regions mapped while streaming" grep -q "^iova xfer-buf" $QC_STATE
# the DSP's view of the live rings and buffer, to the byte
cat $QC_STATE >/tmp/streaming.txt
sed 's/^/uob-e2e:   streaming: /' /tmp/streaming.txt
ok_if "IOMMU: every IOVA reaches the controller's byte (event ring, data ring, buffer)" \
	same_bytes /tmp/streaming.txt
if [ "${uob_page_size:-4096}" -gt 4096 ]; then
	ok_if "IOMMU: a ring segment starts inside a ${uob_page_size}-byte page (the offset is tested)" \
		sub_page /tmp/streaming.txt "$uob_page_size"
fi
uob-usbreset "$(usb_node)"
wait $pid; r=$?
ok_if "IOMMU: reset mid-stream, DISCONNECT indication" sh -c "[ $r -eq 0 ] && grep -q 'event 1 ' /tmp/x.log"
ok_if "IOMMU: everything unmapped after the reset" no_iovas
ok_if "IOMMU: idle after the reset" idle

# every other event that ends a stream, and S3, behind the IOMMU
. /lib/uob/lifecycle.sh
LC_PFX="IOMMU: "
lc_all
lc_s3_cycles 2
ok_if "IOMMU: everything unmapped after the lifecycle events" no_iovas

ok_if "IOMMU: rmmod qc-audio-offload" rmmod qc_audio_offload
log_clean "IOMMU: kernel log clean (no DMA remapping faults)" \
	"DMAR: DRHD: handling fault|arm-smmu-v3.*: event 0x[0-9a-f]* received"
say "done"
poweroff -f
