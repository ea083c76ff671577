#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A module's private layouts from the target kernel's BTF: xhci-hcd's for
# xhci-sideband (compat/xhci-btf.list), snd-usb-audio's for qc-audio-offload
# (compat/snd-btf.list), for builds without the kernel source, and to
# cross-check the source's headers where there is one.
#
#   btf-layouts.sh KVER KDIR OUTDIR LIST
#
# LIST is compat/NAME-btf.list; it names the module ("module PATH", its .ko
# under the tree without the suffix) and the header to write ("header
# FILE"), then the members and functions (see the list).  Reads the
# module's BTF (split BTF on top of vmlinux's, or vmlinux's own when the
# module is built in) with bpftool, and writes
#   OUTDIR/NAME-btf/FILE         the structures, each listed member at its
#                                BTF offset, and the functions' prototypes
#                                as BTF has them (used when there is no
#                                source); it defines UOB_NAME_FROM_BTF
#   OUTDIR/uob_NAME_btf_check.h  static asserts: every listed offset and
#                                size, which the generated structures and,
#                                when the source is used, its real headers
#                                must both pass; the functions' forms
# and prints one line: "ok=<where the BTF came from>", "none=<why there is
# no BTF>" or "skip=<why this kernel's module does not fit>".
#
# Where the BTF comes from: UOB_BTF_VMLINUX / UOB_BTF_NAME (UOB_BTF_XHCI,
# UOB_BTF_SND) if set (files; "builtin" for a module inside vmlinux); else
# a full build tree's KDIR/vmlinux and KDIR/PATH.ko; else
# /sys/kernel/btf/vmlinux for the running kernel or the vmlinux inside
# /boot/vmlinuz-KVER (found by its compression magic, or the raw .BTF of
# an uncompressed arm64 Image by its header), and PATH.ko under
# /lib/modules/KVER/kernel.  Tools: bpftool, and zstd/xz/gzip to unpack.
# Results are kept while the inputs and LIST are unchanged.
set -u
kver=$1 kdir=$2 out=$3 list=$4
name=$(basename "$list" -btf.list)
NAME=$(echo "$name" | tr '[:lower:]' '[:upper:]')
modpath=$(sed -n 's/^module[ \t]\+//p' "$list")
header=$(sed -n 's/^header[ \t]\+//p' "$list")
modname=${modpath##*/}
gen=$out/$name-btf
checkh=uob_${name}_btf_check.h
tmp=$(mktemp -d "${TMPDIR:-/tmp}/uob-btf.XXXXXX") || { echo "none=cannot create a temporary directory"; exit 0; }
trap 'rm -rf "$tmp"' EXIT

say() { echo "$1"; exit 0; }
[ -n "$modpath" ] && [ -n "$header" ] ||
	say "none=$list names no module or no header"
command -v bpftool >/dev/null 2>&1 ||
	say "none=bpftool is not installed (Debian: apt-get install bpftool)"

# vmlinux's BTF: a file bpftool reads (ELF or raw BTF) in $vml
vml='' vml_desc=''
if [ -n "${UOB_BTF_VMLINUX:-}" ]; then
	vml=$UOB_BTF_VMLINUX vml_desc=$UOB_BTF_VMLINUX
elif [ -f "$kdir/vmlinux" ]; then
	vml=$kdir/vmlinux vml_desc=$kdir/vmlinux
elif [ "$kver" = "$(uname -r)" ] && [ -r /sys/kernel/btf/vmlinux ]; then
	vml=/sys/kernel/btf/vmlinux vml_desc=/sys/kernel/btf/vmlinux
else
	vml=/boot/vmlinuz-$kver vml_desc=/boot/vmlinuz-$kver
fi
[ -r "$vml" ] || say "none=no vmlinux BTF for $kver ($vml_desc is missing)"

# the module: its file, or "builtin"
modvar=UOB_BTF_$NAME
xko=${!modvar:-}
if [ -z "$xko" ]; then
	for f in "$kdir/$modpath.ko" \
		 /lib/modules/"$kver"/kernel/"$modpath".ko{,.xz,.zst,.gz}; do
		[ -f "$f" ] && { xko=$f; break; }
	done
	[ -n "$xko" ] || xko=builtin
fi

# (Module.symvers decides which functions are exports, below)
key=$( { echo "$kver $vml $xko"; stat -L -c '%s %Y' "$vml" "$kdir/Module.symvers" 2>/dev/null
	 [ "$xko" = builtin ] || stat -L -c '%s %Y' "$xko"; cat "$list" "$0"; } | sha256sum | cut -d' ' -f1)
# cached: the result, and the asserts (kept in $gen; *-source.sh removes
# the copy in OUTDIR before each run, so a second make in the same tree
# must get it back from here, with its time: what includes it is not
# rebuilt)
if [ "$(cat "$gen/.uob-key" 2>/dev/null)" = "$key" ] && [ -f "$gen/result" ] &&
   { ! grep -q '^ok=' "$gen/result" || { [ -f "$gen/$header" ] && [ -f "$gen/check.h" ]; }; }; then
	[ ! -f "$gen/check.h" ] || cp -p "$gen/check.h" "$out/$checkh"
	cat "$gen/result"; exit 0
fi
rm -rf "$gen" "${out:?}/$checkh"

# unpack(FILE DEST): DEST is FILE decompressed by its extension
unpack() {
	case $1 in
	*.xz) xz -dc "$1" >"$2" ;;
	*.zst) zstd -dcq "$1" >"$2" ;;
	*.gz) gzip -dc "$1" >"$2" ;;
	*) cp "$1" "$2" ;;
	esac
}

# A bzImage: the vmlinux ELF is compressed inside; find it by its magic.
if ! bpftool btf dump file "$vml" format raw >"$tmp/base.raw" 2>/dev/null; then
	off=$(LC_ALL=C grep -obUaP '\x28\xb5\x2f\xfd' "$vml" 2>/dev/null | head -1 | cut -d: -f1)
	if [ -n "$off" ] && command -v zstd >/dev/null 2>&1; then
		tail -c +$((off + 1)) "$vml" | zstd -dcq >"$tmp/vmlinux" 2>/dev/null
	fi
	if ! [ -s "$tmp/vmlinux" ]; then
		for m in '\xfd\x37\x7a\x58\x5a\x00:xz' '\x1f\x8b\x08:gzip'; do
			off=$(LC_ALL=C grep -obUaP "${m%:*}" "$vml" 2>/dev/null | head -1 | cut -d: -f1)
			[ -n "$off" ] && command -v "${m#*:}" >/dev/null 2>&1 || continue
			tail -c +$((off + 1)) "$vml" | "${m#*:}" -dcq >"$tmp/vmlinux" 2>/dev/null
			[ -s "$tmp/vmlinux" ] && break
		done
	fi
	if [ -s "$tmp/vmlinux" ] &&
	   bpftool btf dump file "$tmp/vmlinux" format raw >"$tmp/base.raw" 2>/dev/null; then
		vml=$tmp/vmlinux
	else
		# An uncompressed image (arm64's Image: Debian's arm64 vmlinuz)
		# has no ELF headers, but its .BTF is in it as it is in vmlinux:
		# the BTF header (magic 0xeb9f, version 1, flags 0, hdr_len 24),
		# then type_off, type_len, str_off, str_len; the strings end it.
		for off in $(LC_ALL=C grep -obUaP '\x9f\xeb\x01\x00\x18\x00\x00\x00' "$vml" 2>/dev/null |
			     cut -d: -f1 | head -4); do
			# shellcheck disable=SC2046 # five numbers
			set -- $(od -An -tu4 -j $((off + 4)) -N 20 "$vml")
			[ $# -eq 5 ] && [ "$2" -le "$4" ] && [ $(($2 + $3)) -le $(($4 + $5)) ] || continue
			tail -c +$((off + 1)) "$vml" | head -c $(($1 + $4 + $5)) >"$tmp/vmlinux.btf"
			bpftool btf dump file "$tmp/vmlinux.btf" format raw >"$tmp/base.raw" 2>/dev/null &&
				break
			rm -f "$tmp/vmlinux.btf"
		done
		if ! [ -s "$tmp/vmlinux.btf" ]; then
			[ ! -s "$tmp/vmlinux" ] ||
				say "none=$vml_desc has no BTF (CONFIG_DEBUG_INFO_BTF)"
			say "none=cannot unpack vmlinux from $vml (zstd, xz or gzip image expected)"
		fi
		vml=$tmp/vmlinux.btf
	fi
fi
: >"$tmp/split.raw"
if [ "$xko" != builtin ]; then
	unpack "$xko" "$tmp/$modname.ko" ||
		say "none=cannot unpack $xko"
	bpftool -B "$vml" btf dump file "$tmp/$modname.ko" format raw >"$tmp/split.raw" 2>"$tmp/err" ||
		say "none=$xko has no BTF on top of vmlinux's (CONFIG_DEBUG_INFO_BTF_MODULES): $(head -1 "$tmp/err")"
fi

# Module.symvers decides which of the listed functions are exports; without
# one (a prepared tree) every function BTF has counts.
symvers=$kdir/Module.symvers
[ -f "$symvers" ] || symvers=/dev/null

mkdir -p "$gen"
if ! awk -v list="$list" -v symvers="$symvers" -v hfile="$gen/$header" \
	-v cfile="$tmp/check.h" -v what="$kver" -v NAME="$NAME" -v mod="$modname" \
	-f - "$tmp/base.raw" "$tmp/split.raw" \
	>"$tmp/result" 2>"$tmp/awk.err" <<'AWK'
# Pass 1 (the raw dumps): every type by id; the module's own (split) types
# win over vmlinux's for a name.
FNR == 1 { split_file = (FILENAME ~ /split\.raw$/) }
/^\[[0-9]+\] / {
	id = substr($1, 2, length($1) - 2) + 0
	kind[id] = $2
	nm = $3; gsub(/^'|'$/, "", nm)
	if (nm == "(anon)") nm = ""
	# names with spaces ('long unsigned int')
	if ($3 ~ /^'/ && $3 !~ /'$/) {
		for (i = 4; i <= NF; i++) { nm = nm " " $i; if ($i ~ /'$/) break }
		gsub(/'$/, "", nm)
	}
	name[id] = nm
	for (i = 3; i <= NF; i++) {
		if ($i ~ /^type_id=/) tgt[id] = substr($i, 9) + 0
		if ($i ~ /^ret_type_id=/) tgt[id] = substr($i, 13) + 0
		if ($i ~ /^size=/) sz[id] = substr($i, 6) + 0
		if ($i ~ /^nr_elems=/) nel[id] = substr($i, 10) + 0
		if ($i ~ /^vlen=/) vlen[id] = substr($i, 6) + 0
	}
	nmem[id] = 0; cur = id
	if (nm != "" && ($2 == "STRUCT" || $2 == "UNION" || $2 == "FUNC")) {
		k = $2 " " nm
		if (!(k in byname) || split_file) byname[k] = id
	}
	if ($2 == "INT" && nm == "long unsigned int") ptrsize = sz[id]
	next
}
/^\t'/ {
	n = ++nmem[cur]
	m = $1; gsub(/^'|'$/, "", m)
	mname[cur, n] = m
	for (i = 2; i <= NF; i++) {
		if ($i ~ /^type_id=/) mtype[cur, n] = substr($i, 9) + 0
		if ($i ~ /^bits_offset=/) moff[cur, n] = substr($i, 13) + 0
		if ($i ~ /^bitfield_size=/ && substr($i, 15) + 0) mbits[cur, n] = substr($i, 15) + 0
	}
	next
}

function fail(msg) { print "skip=" msg; failed = 1; exit 1 }

function tsize(t,   k) {
	k = kind[t]
	if (t == 0) return 0
	if (k == "PTR") return ptrsize
	if (k == "ARRAY") return nel[t] * tsize(tgt[t])
	if (k == "TYPEDEF" || k == "CONST" || k == "VOLATILE" || k == "RESTRICT" || k == "TYPE_TAG")
		return tsize(tgt[t])
	if (t in sz) return sz[t]
	fail("BTF type " t " (" k ") has no size")
}

# C declaration of D (a name, maybe with declarators) of type T
function decl(t, d,   k) {
	k = kind[t]
	if (t == 0) return "void " d
	if (k == "PTR") {
		if (kind[tgt[t]] == "FUNC_PROTO") fail("function pointer members are not supported")
		return decl(tgt[t], "*" d)
	}
	if (k == "ARRAY") {
		if (d ~ /^\*/) d = "(" d ")"
		return decl(tgt[t], d "[" nel[t] "]")
	}
	if (k == "CONST") return "const " decl(tgt[t], d)
	if (k == "VOLATILE") return "volatile " decl(tgt[t], d)
	if (k == "RESTRICT" || k == "TYPE_TAG") return decl(tgt[t], d)
	if (k == "TYPEDEF" || k == "FLOAT") return name[t] " " d
	if (k == "INT") return (name[t] == "_Bool" ? "bool" : name[t]) " " d
	if (k == "STRUCT" || k == "UNION") {
		if (name[t] == "") fail("anonymous " tolower(k) " members are not supported")
		tags[tolower(k) " " name[t]] = 1
		return tolower(k) " " name[t] " " d
	}
	if (k == "FWD") { tags["struct " name[t]] = 1; return "struct " name[t] " " d }
	# an enum of a private header is unknown to the kernel's: its integer
	if (k == "ENUM" || k == "ENUM64") return "u" (8 * sz[t]) " " d
	fail("BTF kind " k " is not supported")
}

# A bit field: its storage unit (the size of its type, x86_64's and
# arm64's ABI: little endian, a field never straddles its unit) at the
# unit's offset, the bits before it unnamed (as an unsigned integer of the
# unit's size: "bool : 3" would not compile).  offsetof() cannot name a
# bit field: the check fills the structure with ones, clears the field and
# asserts every byte of the unit (BUILD_BUG_ON: the compiler folds it, as
# in every kernel build, -O2), in a function emitted and never called.  So
# its place, its width and its being a bit field of that unit are checked.
function bitfield(s, sid, i,   u, base, r, w, t, out, m, k, bit, mk) {
	t = mtype[sid, i]; u = tsize(t); m = mname[sid, i]; w = mbits[sid, i]
	base = int(moff[sid, i] / (8 * u)) * u
	r = moff[sid, i] - 8 * base
	if (r + w > 8 * u) fail("struct " s " member " m " straddles its unit")
	out = ""
	if (base) out = out "\t\t\tu8 __uob_pad_" m "[" base "];\n"
	if (r) out = out "\t\t\tu" 8 * u " : " r ";\n"
	out = out "\t\t\t" decl(t, m " : " w) ";\n\t\t};\n"
	for (k = 0; k < u; k++) mk[k] = 0
	for (bit = r; bit < r + w; bit++) mk[int(bit / 8)] += 2 ^ (bit % 8)
	chk = chk "/* " s "." m ": bits " r " to " r + w - 1 " of the " u "-byte unit at " base " */\n"
	chk = chk "static void __used uob_btf_bits_" s "_" m "(void)\n{\n"
	chk = chk "\tunion { struct " s " s; u8 b[sizeof(struct " s ")]; } u = {\n"
	chk = chk "\t\t.b = { [0 ... sizeof(struct " s ") - 1] = 0xff } };\n\n"
	chk = chk "\tu.s." m " = 0;\n"
	for (k = 0; k < u; k++)
		chk = chk sprintf("\tBUILD_BUG_ON(u.b[%d] != 0x%02x);\n", base + k, 255 - mk[k])
	chk = chk "}\n"
	return out
}

function member(sid, m,   i) {
	for (i = 1; i <= nmem[sid]; i++)
		if (mname[sid, i] == m) return i
	return 0
}

END {
	if (failed) exit 1
	if (!ptrsize) fail("BTF has no 'long unsigned int'")
	while ((getline line < symvers) > 0) {
		split(line, f, "\t")
		exported[f[2]] = 1
	}
	nexp = 0
	for (e in exported) nexp++
	chk = "/* Generated by scripts/btf-layouts.sh from the BTF of " what ": do not edit. */\n"
	chk = chk "#ifndef _UOB_" NAME "_BTF_CHECK_H\n#define _UOB_" NAME "_BTF_CHECK_H\n\n#include <linux/build_bug.h>\n#include <linux/stddef.h>\n#include <linux/types.h>\n\n"
	nstruct = 0
	while ((getline line < list) > 0) {
		if (line ~ /^[ \t]*(#|$)/) continue
		nf = split(line, w, /[ \t]+/)
		opt = (w[nf] == "optional")
		if (w[1] == "struct" || w[1] == "size") {
			s = w[2]
			if (!(("STRUCT " s) in byname)) fail("BTF has no struct " s)
			sid = byname["STRUCT " s]
			if (!(s in sseen)) { sseen[s] = 1; order[++nstruct] = s; sidof[s] = sid; nm_of[s] = 0 }
			if (w[1] == "size") continue
			m = w[3]
			i = member(sid, m)
			macro = "UOB_BTF_HAS_" toupper(s) "_" toupper(m)
			if (!i) {
				if (!opt) fail("struct " s " has no member " m " in this kernel")
				chk = chk "#define " macro " 0\n"
				continue
			}
			if (!((sid, i) in mbits) && moff[sid, i] % 8)
				fail("struct " s " member " m " is not byte aligned")
			members[s, ++nm_of[s]] = i
			chk = chk "#define " macro " 1\n"
		} else if (w[1] == "func") {
			fn = w[2]
			macro = "UOB_BTF_" toupper(fn) "_NARGS"
			if (!(("FUNC " fn) in byname) || (nexp && !(fn in exported))) {
				if (!opt) fail(fn "() is not an export with BTF in this kernel")
				chk = chk "#define " macro " (-1)\n"
				continue
			}
			fid = byname["FUNC " fn]; pid = tgt[fid]
			funcs[++nfunc] = fn; fproto[fn] = pid
			chk = chk "#define " macro " " vlen[pid] "\n"
		}
	}
	chk = chk "\n"

	nm = tolower(NAME)
	h = "/* Generated by scripts/btf-layouts.sh from the BTF of " what ": do not edit. */\n"
	h = h "/*\n * The parts of " mod "'s private headers that compat/" nm "-btf.list\n"
	h = h " * names, for builds without the kernel source: each structure has only\n"
	h = h " * those members, each at its offset in this kernel (uob_" nm "_btf_check.h\n"
	h = h " * asserts them), and the functions are declared as this kernel has them.\n */\n"
	h = h "#ifndef _UOB_" NAME "_BTF_H\n#define _UOB_" NAME "_BTF_H\n\n"
	h = h "#include <linux/gfp.h>\n#include <linux/mutex.h>\n#include <linux/spinlock.h>\n#include <linux/types.h>\n#include <linux/usb.h>\n#include <linux/usb/hcd.h>\n\n"
	h = h "#define UOB_" NAME "_FROM_BTF\t1\n\n"
	body = ""
	for (j = 1; j <= nstruct; j++) {
		s = order[j]; sid = sidof[s]
		body = body "struct " s " {\n\tunion {\n"
		for (k = 1; k <= nm_of[s]; k++) {
			i = members[s, k]
			off = moff[sid, i] / 8
			body = body "\t\tstruct {\n"
			if ((sid, i) in mbits) {
				body = body bitfield(s, sid, i)
				continue
			}
			if (off) body = body "\t\t\tu8 __uob_pad_" mname[sid, i] "[" off "];\n"
			body = body "\t\t\t" decl(mtype[sid, i], mname[sid, i]) ";\n\t\t};\n"
			chk = chk "static_assert(offsetof(struct " s ", " mname[sid, i] ") == " off ");\n"
			chk = chk "static_assert(sizeof_field(struct " s ", " mname[sid, i] ") == " tsize(mtype[sid, i]) ");\n"
		}
		body = body "\t\tu8 __uob_size[" sz[sid] "];\n\t};\n};\n\n"
		chk = chk "static_assert(sizeof(struct " s ") == " sz[sid] ");\n"
		defined["struct " s] = 1
	}
	for (j = 1; j <= nfunc; j++) {
		fn = funcs[j]; pid = fproto[fn]
		args = ""
		for (k = 1; k <= nmem[pid]; k++)
			args = args (k > 1 ? ", " : "") decl(mtype[pid, k], mname[pid, k])
		if (args == "") args = "void"
		gsub(/ +,/, ",", args); gsub(/ +$/, "", args)
		r = decl(tgt[pid], fn "(" args ")")
		gsub(/ \*/, " *", r)
		body = body r ";\n"
	}
	fw = ""
	for (t in tags) if (!(t in defined)) fw = fw t ";\n"
	h = h fw "\n" body
	h = h "#endif /* _UOB_" NAME "_BTF_H */\n"
	chk = chk "\n#endif /* _UOB_" NAME "_BTF_CHECK_H */\n"
	printf "%s", h > hfile
	printf "%s", chk > cfile
	print "ok"
}
AWK
then
	if ! grep -q '^skip=' "$tmp/result"; then
		echo "skip=cannot read the BTF: $(head -3 "$tmp/awk.err" | tr '\n' ' ')" >"$tmp/result"
	fi
	rm -f "$gen/$header"
fi
if grep -qx ok "$tmp/result"; then
	desc=$vml_desc
	[ "$xko" = builtin ] || desc="$xko over $vml_desc"
	echo "ok=$desc" >"$tmp/result"
	cmp -s "$tmp/check.h" "$out/$checkh" 2>/dev/null ||
		cp "$tmp/check.h" "$out/$checkh"
	cp -p "$out/$checkh" "$gen/check.h"
fi
cp "$tmp/result" "$gen/result"
echo "$key" >"$gen/.uob-key"
cat "$gen/result"
