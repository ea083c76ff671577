# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared settings for the project scripts (sourced, not run).

UOB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
UOB_CACHE=${UOB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/usb-offload-backport}

# The reference kernel: Debian bookworm's 6.12 LTS.
UOB_REF_DEBVER=6.12.111-1~deb12u1
UOB_REF_UPSTREAM=6.12.111
UOB_REF_KVER=6.12.111+deb12-amd64
UOB_REF_SRC=$UOB_CACHE/linux-$UOB_REF_UPSTREAM
UOB_REF_KDIR=/lib/modules/$UOB_REF_KVER/build
UOB_REF_IMAGE=/boot/vmlinuz-$UOB_REF_KVER
# The same kernel for arm64, unpacked from Debian's .debs by
# scripts/arm64-fetch.sh (its vmlinuz is a plain arm64 Image).
UOB_ARM64_KVER=6.12.111+deb12-arm64
UOB_ARM64_ROOT=$UOB_CACHE/arm64-root
UOB_ARM64_KDIR=$UOB_ARM64_ROOT/usr/src/linux-headers-$UOB_ARM64_KVER
UOB_ARM64_IMAGE=$UOB_ARM64_ROOT/boot/vmlinuz-$UOB_ARM64_KVER
# Debian's 16K-page arm64 kernel (trixie's linux-image-6.12.*-arm64-16k;
# the version is picked from trixie's lists by scripts/arm64-fetch.sh 16k
# and kept in $UOB_ARM64_16K_ROOT/.uob-kver), its modules cross-built in a
# trixie chroot (scripts/arm64-16k-cross.sh: its gcc-14 and kbuild).
UOB_ARM64_16K_SUITE=trixie
UOB_ARM64_16K_ROOT=$UOB_CACHE/arm64-16k-root

# uob_config_settings FRAGMENT: a config fragment's settings, CONFIG_X=...
# and "# CONFIG_X is not set" (other comments and blank lines do not count:
# editing a comment rebuilds nothing); uob_config_sum FRAGMENT: their checksum
uob_config_settings() { grep -E '^(CONFIG_|# CONFIG_[A-Za-z0-9_]+ is not set)' "$1"; }
uob_config_sum() { uob_config_settings "$1" | sha256sum | cut -d' ' -f1; }

# The debug kernel of make e2e-debug: the same source, x86_64 defconfig +
# tests/debug-kernel.config (KASAN, lockdep, kmemleak, ...), built once by
# scripts/debug-kernel.sh; its modules installed into a staging root.  The
# build directory is named by the fragment's options (its comments do not
# count) and the source version, so checkouts with different fragments
# each keep their own build instead of rebuilding the other's.
UOB_DEBUG_KEY=$( (uob_config_settings "$UOB_TOP/tests/debug-kernel.config"
	echo "$UOB_REF_DEBVER") | sha256sum | cut -c1-12)
UOB_DEBUG_OBJ=$UOB_CACHE/debug-build-$UOB_REF_UPSTREAM-$UOB_DEBUG_KEY
UOB_DEBUG_IMAGE=$UOB_DEBUG_OBJ/arch/x86/boot/bzImage
UOB_DEBUG_MODROOT=$UOB_DEBUG_OBJ/staging

uob_log() { printf '[%s] %s\n' "${UOB_STEP:-uob}" "$*" >&2; }
uob_die() { printf '[%s] error: %s\n' "${UOB_STEP:-uob}" "$*" >&2; exit 1; }

# Install Debian packages that are missing (root), or say exactly how.
uob_need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "${p%%=*}" 2>/dev/null |
			grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
		uob_die "missing packages; run: sudo apt-get install ${missing[*]}"
	fi
	uob_log "installing: ${missing[*]}"
	if [ ! -f "$UOB_CACHE/.apt-updated" ]; then
		apt-get update -q >&2 || uob_die "apt-get update failed"
		mkdir -p "$UOB_CACHE" && touch "$UOB_CACHE/.apt-updated"
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >&2 || uob_die "apt-get install ${missing[*]} failed"
}

# uob_provision GROUP...: install and unpack what the calling script needs
# (scripts/provision.sh: base, guest, arm64, newer, deb, all).  make check's
# runner provisions once for all its steps and says so (UOB_PROVISIONED=1);
# a script run on its own provisions itself.
uob_provision() {
	[ "${UOB_PROVISIONED:-0}" = 1 ] && return 0
	"$UOB_TOP/scripts/provision.sh" "$@"
}

# uob_stage_series SERIES SRC STAGE: STAGE/drivers/usb holds SRC's Kconfig
# and Makefile with the in-tree series (scripts/mkpatches.sh) applied, and
# the offload-backport directory it adds; dies if a patch does not apply.
uob_stage_series() {
	local series=$1 src=$2 stage=$3 p
	rm -rf "$stage"
	mkdir -p "$stage/drivers/usb"
	cp -p "$src/drivers/usb/Kconfig" "$src/drivers/usb/Makefile" "$stage/drivers/usb/"
	for p in "$series"/*.patch; do
		[ -f "$p" ] || uob_die "no patches in $series"
		patch -d "$stage" -p1 --batch --forward --quiet --no-backup-if-mismatch <"$p" ||
			uob_die "$(basename "$p") does not apply to $src"
	done
}

# uob_copy_tree DEST [PATH...]: the project's files (tracked and new, not
# ignored, no generated probe results) copied into DEST, paths kept.
uob_copy_tree() {
	local dest=$1; shift
	mkdir -p "$dest"
	(cd "$UOB_TOP" && git ls-files --cached --others --exclude-standard -z -- "$@" |
		grep -zv '^compat/generated/' | xargs -0 cp --parents -t "$dest")
}

# uob_scratch_build NAME KVER MAKEARGS...: the project built out of tree in
# a scratch copy ($UOB_CACHE/scratch/NAME, set as UOB_SCRATCH), so the
# checkout stays clean and W=1/C=2 always see every file; the output is
# shown and kept in UOB_SCRATCH/build.log.
uob_scratch_build() {
	local name=$1 kver=$2; shift 2
	UOB_SCRATCH=$UOB_CACHE/scratch/$name
	rm -rf "$UOB_SCRATCH"; mkdir -p "$UOB_SCRATCH"
	uob_copy_tree "$UOB_SCRATCH"
	make -C "$UOB_SCRATCH" KVER="$kver" "$@" 2>&1 | tee "$UOB_SCRATCH/build.log"
	[ "${PIPESTATUS[0]}" -eq 0 ]
}

# The files a DKMS source tree (or the Debian package) carries.
UOB_DKMS_FILES=(Makefile Kbuild dkms.conf VERSION compat include usb-offload
		xhci-sideband qc-audio-offload scripts/xhci-source.sh scripts/btf-layouts.sh
		scripts/snd-source.sh)

# The newer kernel of the compile matrix (scripts/newer-build.sh): Debian's
# own linux-source from trixie-backports, fetched from the archive and
# verified (InRelease signature -> Packages.xz -> .deb SHA256).  A pinned
# version; if the archive has moved on, the newest of the same series.
UOB_NEW_SUITE=trixie-backports
UOB_NEW_PKG=linux-source-7.2
UOB_NEW_DEBVER=7.2.11-1~bpo13+1
UOB_DEBIAN_MIRROR=${UOB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
UOB_DEBIAN_SECURITY_MIRROR=${UOB_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
# The column of tests/conftest/expected.txt the newer kernel is checked
# against (if the archive moves to a later series, a differing probe result
# fails the check, which is the point: review it, then add a column).
UOB_NEW_COLUMN=7.2

# The kernels of the package test's Debian 13 chroot (scripts/deb-chroot.sh
# trixie): trixie's own 6.12 and trixie-backports' 7.2 and 7.3, image and
# headers.  Pinned; a version the archive has dropped is replaced by the
# newest of its series there (the test says which it used).
UOB_TRIXIE_KVERS="6.12.117+deb13-amd64 7.2.12+deb13-amd64 7.3.4+deb13-amd64"

# uob_prepare_tree SRC OBJ FRAGMENT DEFCONFIG [MAKE ARGS...]: configure a
# kernel source for out-of-tree builds in OBJ (DEFCONFIG + FRAGMENT, every
# option of FRAGMENT must stick) and run modules_prepare -- once per
# FRAGMENT settings.  Configured again in place when they change (kbuild
# rebuilds what the new .config changes).  Used by the arm64 and
# newer-kernel compile checks and the debug kernel.
uob_prepare_tree() {
	local src=$1 obj=$2 frag=$3 defcfg=$4; shift 4
	local sum o
	sum=$(uob_config_sum "$frag")
	[ "$(cat "$obj/.uob-config" 2>/dev/null)" = "$sum" ] && return 0
	uob_log "configuring and preparing $src in $obj (once)"
	rm -f "$obj/.uob-config"; mkdir -p "$obj"
	make -s -C "$src" O="$obj" "$@" "$defcfg" >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$frag" >/dev/null
	make -s -C "$src" O="$obj" "$@" olddefconfig >/dev/null
	for o in $(grep -o '^CONFIG_[A-Z0-9_]*' "$frag"); do
		grep -q "^$o=" "$obj/.config" || uob_die "$src: config lacks $o"
	done
	make -s -C "$src" O="$obj" "$@" -j"$(nproc)" modules_prepare
	echo "$sum" >"$obj/.uob-config"
}

# uob_build_prepared NAME OBJ SRC [MAKE ARGS...]: the project's modules,
# W=1 -Werror, in $UOB_CACHE/scratch/NAME against a prepared tree; all
# three must be built, no warning.  There is no vmlinux, so modpost cannot
# resolve kernel symbols and only warns about them.  Sets UOB_SCRATCH.
uob_build_prepared() {
	local name=$1 obj=$2 src=$3; shift 3
	local m
	UOB_SCRATCH=$UOB_CACHE/scratch/$name
	rm -rf "$UOB_SCRATCH"; mkdir -p "$UOB_SCRATCH"
	uob_copy_tree "$UOB_SCRATCH"
	make -C "$UOB_SCRATCH" KDIR="$obj" KSRC="$src" "$@" KBUILD_MODPOST_WARN=1 \
		W=1 KCFLAGS=-Werror modules 2>&1 | tee "$UOB_SCRATCH/build.log" |
		grep -v 'undefined!$' || true
	[ "${PIPESTATUS[0]}" -eq 0 ] || uob_die "$name build failed"
	if grep -E '(warning|error):' "$UOB_SCRATCH/build.log" | grep -v 'modpost.*undefined'; then
		uob_die "$name build has warnings"
	fi
	for m in usb-offload/usb-offload xhci-sideband/xhci-sideband qc-audio-offload/qc-audio-offload; do
		[ -f "$UOB_SCRATCH/$m.ko" ] || uob_die "$name: $m.ko was not built"
	done
}
