# SPDX-License-Identifier: GPL-2.0
#
# usb-offload-backport: out-of-tree build and project tasks.
# The modules themselves are built by kbuild from ./Kbuild; this file only
# chooses the kernel and delegates.  `make help` lists the targets.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
# Reference kernel (Debian bookworm 6.12 LTS).
REF_KVER := 6.12.111+deb12-amd64

PROJECT_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
UOB_VERSION := $(shell cat $(PROJECT_DIR)/VERSION)

# Out-of-tree builds select every module the kernel can have; Kconfig does
# it in tree.  XHCI_SIDEBAND=n leaves out xhci-sideband (and what needs it).
UOB_KCONFIG := CONFIG_USB_OFFLOAD_BACKPORT=m
XHCI_SIDEBAND ?= y
KSRC ?=
# UOB_XHCI_BTF=n: no cross-check of a source tree against the kernel's BTF
# (for tests that change a source on purpose; see scripts/xhci-forms.sh).
UOB_XHCI_BTF ?= y

# xhci-sideband needs xhci-hcd's private layouts of exactly this kernel: from
# its source or its BTF (scripts/xhci-source.sh decides and says which).
# qc-audio-offload needs xhci-sideband.  Each module this kernel cannot have
# is skipped with one line; the others are built.
UOB_GEN := $(PROJECT_DIR)/compat/generated
ifneq ($(filter all modules install,$(or $(MAKECMDGOALS),all)),)
ifeq ($(XHCI_SIDEBAND),y)
ifneq ($(wildcard $(KDIR)/Makefile),)
UOB_XHCI_DUMMY := $(shell UOB_XHCI_BTF=$(UOB_XHCI_BTF) \
	$(PROJECT_DIR)/scripts/xhci-source.sh "$(KDIR)" "$(KSRC)" "$(UOB_GEN)")
include $(UOB_GEN)/uob_xhci.mk
ifeq ($(UOB_XHCI_RESULT),inc)
$(info xhci-sideband: $(UOB_XHCI_MSG))
UOB_KCONFIG += CONFIG_USB_XHCI_SIDEBAND_BACKPORT=m UOB_XHCI_INC=$(UOB_XHCI_INC) \
	       UOB_XHCI_BTF_CHECK=$(UOB_XHCI_BTF_CHECK)
# qc-audio-offload: the kernel's QMI helpers and the ALSA PCM core (the
# exported symbols; a prepared tree without Module.symvers: its config).
# Not snd_pcm_notify(): that exists only with CONFIG_SND_PCM_OSS, and the
# driver no longer needs it (qc-audio-offload/pcm.c).
ifneq ($(wildcard $(KDIR)/Module.symvers),)
UOB_QC_OK := $(shell grep -qsw qmi_add_server $(KDIR)/Module.symvers && grep -qsw snd_pcm_open_substream $(KDIR)/Module.symvers && echo y)
else
UOB_QC_OK := $(shell grep -qs '^CONFIG_QCOM_QMI_HELPERS=[ym]' $(KDIR)/include/config/auto.conf && grep -qs '^CONFIG_SND_PCM=[ym]' $(KDIR)/include/config/auto.conf && echo y)
endif
ifneq ($(UOB_QC_OK),)
UOB_KCONFIG += CONFIG_SND_USB_AUDIO_QMI_BACKPORT=m
# snd-usb-audio's private layouts (sound/usb/*.h), for the backend that
# calls its exports (qc-audio-offload/pcm.h): this kernel's own source
# (KSRC, checked against it above, or a full build tree) or its BTF;
# scripts/snd-source.sh decides; qc-audio-offload/Kbuild says which backend.
UOB_SND_DUMMY := $(shell $(PROJECT_DIR)/scripts/snd-source.sh "$(KDIR)" "$(KSRC)" "$(UOB_GEN)")
include $(UOB_GEN)/uob_snd.mk
UOB_KCONFIG += UOB_SND_INC=$(UOB_SND_INC) UOB_SND_BTF_CHECK=$(UOB_SND_BTF_CHECK)
$(info qc-audio-offload: snd-usb-audio's layouts: $(UOB_SND_MSG))
else
$(info qc-audio-offload: skipped: kernel $(KVER) exports no QMI helpers (CONFIG_QCOM_QMI_HELPERS) or no ALSA PCM)
endif
else ifeq ($(UOB_XHCI_RESULT),skip)
$(info xhci-sideband: skipped: $(UOB_XHCI_MSG))
$(info qc-audio-offload: skipped: it needs xhci-sideband)
else
$(error xhci-sideband: $(UOB_XHCI_MSG))
endif
endif
else
$(info xhci-sideband: skipped: XHCI_SIDEBAND=$(XHCI_SIDEBAND))
$(info qc-audio-offload: skipped: it needs xhci-sideband)
endif
endif

KBUILD_ARGS := -C $(KDIR) M=$(PROJECT_DIR) $(UOB_KCONFIG)

.PHONY: all modules clean install help check kunit kunit-newer run run-arm64 e2e e2e-arm64 fuzz \
	e2e-debug bench soak deb-test sign patches check-patches provision headers-check checkpatch \
	dsp-emu dsp-stream e2e-trixie

all: modules

help:
	@echo "usb-offload-backport $(UOB_VERSION)"
	@echo ""
	@echo "Building (KVER=$(KVER), KDIR=$(KDIR)):"
	@echo "  make                   build the modules for KVER (default: running kernel)"
	@echo "  make KVER=$(REF_KVER)   build for the reference kernel"
	@echo "  make KSRC=<linux tree> take xhci.h and sound/usb/*.h from this source (default:"
	@echo "                         a full tree in KDIR, else the kernel's BTF; for xhci.h"
	@echo "                         else linux-source-X.Y), cross-checked against the BTF"
	@echo "  make XHCI_SIDEBAND=n   build without xhci-sideband"
	@echo "  make W=1               extra warnings (kbuild W=, C=, V= pass through)"
	@echo "  make install           kbuild modules_install (INSTALL_MOD_PATH honoured)"
	@echo "  make sign              sign the built modules with DKMS' MOK key (Secure Boot)"
	@echo "  make clean"
	@echo ""
	@echo "Project tasks (reference kernel, provisioned on demand):"
	@echo "  make run               boot 6.12 in QEMU (qemu-xhci + usb-audio), load, show state"
	@echo "  make run-arm64         the same with Debian's arm64 kernel (also: make run ARCH=arm64)"
	@echo "  make check             every step of scripts/steps.list; ends with \"N passed, N failed\""
	@echo "  make check STEP=NAME   only these steps (names: scripts/check.sh --list)"
	@echo "  make kunit             KUnit suites under kunit.py in QEMU (step kunit)"
	@echo "  make kunit-newer       the same on Linux 7.2 beside its in-tree sideband/offload"
	@echo "  make e2e               stock Debian kernel in QEMU: sessions, unplug, reset, rmmod"
	@echo "  make checkpatch        checkpatch --strict in tree mode (kernel names known)"
	@echo "  make fuzz              10k fuzzed QMI messages against the service, checked by a model"
	@echo "  make e2e-debug         the e2e on a KASAN/lockdep/kmemleak 6.12.111 (built once)"
	@echo "  make e2e-arm64         make run's session, e2e, IOMMU (SMMUv3) and emulated-DSP"
	@echo "                         streaming guests on arm64, stock and 16K-page kernels"
	@echo "  make deb-test          build the Debian -dkms package, install and purge it in a chroot"
	@echo "                         (bookworm; trixie with its 6.12 and backports' 7.2 and 7.3)"
	@echo "  make e2e-trixie        the e2e on Debian 13's own 6.12 image, modules built by its dkms"
	@echo "  make bench             get/put and round trips vs seed, floors and mainline (6.12, 7.2), dkms, sizes"
	@echo "  make soak              100 enable/unplug/replug + 100 load/unload cycles (not in check)"
	@echo "  make patches [O=DIR]   the in-tree series (patches/ + the sources) into DIR"
	@echo "                         (default ~/.cache/usb-offload-backport/patches)"
	@echo "  make provision         install/unpack what every step needs"
	@echo "  make dsp-emu           the test rig's emulated DSP, tests/dsp-emu/uob-dsp-emu.ko"
	@echo "                         (KVER=/KDIR= as above; default: the reference kernel)"
	@echo "  make dsp-stream        the emulated DSP streams through a QMI response (step dsp-stream)"

headers-check:
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "error: no kernel build tree at $(KDIR) (KVER=$(KVER))." >&2; \
		inst=$$(ls -d /lib/modules/*/build 2>/dev/null | sed 's|/lib/modules/||;s|/build||' | tr '\n' ' '); \
		echo "  kernels with headers installed: $${inst:-none}" >&2; \
		echo "  build for one of them with: make KVER=<version>" >&2; \
		echo "  reference kernel: apt-get install linux-headers-$(REF_KVER) && make KVER=$(REF_KVER)" >&2; \
		exit 1; \
	fi

modules: headers-check
	$(MAKE) $(KBUILD_ARGS) modules

install: headers-check
	$(MAKE) $(KBUILD_ARGS) modules_install

clean:
	@if [ -f "$(KDIR)/Makefile" ]; then $(MAKE) $(KBUILD_ARGS) clean; fi
	rm -rf compat/generated
	@if [ -f "$(DSP_EMU_KDIR)/Makefile" ]; then $(MAKE) -C $(DSP_EMU_KDIR) M=$(PROJECT_DIR)/tests/dsp-emu clean; fi

provision:
	scripts/provision.sh all

patches:
	scripts/mkpatches.sh $(if $(O),$(abspath $(O)))

# the test targets are steps of make check's runner (scripts/steps.list)
check:
	scripts/check.sh $(STEP)

check-patches:
	scripts/check.sh patches

kunit:
	scripts/check.sh kunit

kunit-newer:
	scripts/check.sh kunit-7.2-newer

run:
	$(if $(filter arm64,$(ARCH)),scripts/arm64-e2e.sh run,scripts/run.sh)

run-arm64:
	scripts/arm64-e2e.sh run

e2e:
	scripts/check.sh e2e

fuzz:
	scripts/check.sh fuzz

checkpatch:
	scripts/check.sh checkpatch-strict

e2e-debug:
	scripts/check.sh e2e-debug-kernel

e2e-arm64:
	scripts/check.sh arm64-guests

bench:
	scripts/bench.sh

soak:
	scripts/soak.sh

deb-test:
	scripts/check.sh debian-package

e2e-trixie:
	scripts/check.sh e2e-trixie

# the test rig's emulated DSP (test-only, never in the package): its own
# Kbuild; the reference kernel unless KVER= or KDIR= is given
DSP_EMU_KVER := $(if $(filter command line environment,$(origin KVER)),$(KVER),$(REF_KVER))
DSP_EMU_KDIR := $(if $(filter command line environment,$(origin KDIR)),$(KDIR),/lib/modules/$(DSP_EMU_KVER)/build)

dsp-emu:
	$(MAKE) -C $(DSP_EMU_KDIR) M=$(PROJECT_DIR)/tests/dsp-emu modules

dsp-stream:
	scripts/check.sh dsp-stream

sign:
	KVER=$(KVER) KDIR=$(KDIR) scripts/sign.sh

