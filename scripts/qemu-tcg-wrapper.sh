#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Installed as qemu-system-x86_64 in front of PATH for kunit.py: drops the
# generic "-accel kvm -accel hvf -accel tcg" that newer kunit.py (7.x)
# puts in front of our own accelerator, so "-accel tcg,thread=single"
# from scripts/kunit.sh is the one QEMU uses.  This machine has a
# /dev/kvm that fails ("KVM internal error ... emulation failure" on a
# cmpxchg16b early in boot), and multi-threaded TCG races with the
# kernel's code patching (see scripts/guest.sh).
real=$UOB_REAL_QEMU
n=$#
while [ "$n" -gt 0 ]; do
	a=$1; shift; n=$((n - 1))
	if [ "$a" = -accel ] && [ "$n" -gt 0 ]; then
		case $1 in
		kvm|hvf|tcg) shift; n=$((n - 1)); continue;;
		esac
	fi
	set -- "$@" "$a"
done
exec "$real" "$@"
