#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The newer kernel's source: $UOB_NEW_PKG from Debian $UOB_NEW_SUITE,
# fetched and verified (InRelease signature -> Packages.xz by hash -> the
# .deb's SHA256), unpacked once into the cache.  Prints the source path.
set -euo pipefail
UOB_STEP=newer-source
. "$(dirname "$0")/lib.sh"

uob_provision newer

dl=$UOB_CACHE/debs
mkdir -p "$dl"

# fetch URL FILE: download to FILE (via FILE.part).
fetch() {
	curl -fsS --retry 3 --max-time 900 -o "$2.part" "$1" || uob_die "cannot fetch $1"
	mv "$2.part" "$2"
}

deb=
for f in "$dl/linux-source-"*_all.deb; do
	[ -e "$f" ] && [ -e "$f.verified" ] && deb=$f
done
want=$dl/${UOB_NEW_PKG}_${UOB_NEW_DEBVER}_all.deb
[ -e "$want.verified" ] && deb=$want
if [ -z "$deb" ]; then
	rel=$dl/$UOB_NEW_SUITE.InRelease
	fetch "$UOB_DEBIAN_MIRROR/dists/$UOB_NEW_SUITE/InRelease" "$rel"
	gpgv --keyring /usr/share/keyrings/debian-archive-keyring.gpg "$rel" 2>"$rel.gpgv" ||
		uob_die "bad signature on $UOB_NEW_SUITE/InRelease: $(cat "$rel.gpgv")"
	psum=$(awk '/^SHA256:/{s=1;next} /^[A-Za-z]/{s=0} s && $3=="main/binary-amd64/Packages.xz"{print $1}' "$rel")
	[ -n "$psum" ] || uob_die "InRelease lists no main/binary-amd64/Packages.xz"
	# by-hash, as apt does: the file that belongs to this InRelease
	fetch "$UOB_DEBIAN_MIRROR/dists/$UOB_NEW_SUITE/main/binary-amd64/by-hash/SHA256/$psum" "$dl/Packages.xz"
	echo "$psum  $dl/Packages.xz" | sha256sum -c --quiet || uob_die "Packages.xz does not match InRelease"
	# Stanzas of every linux-source-N.M: package, version, file, SHA256.
	xz -dc "$dl/Packages.xz" | awk '
		/^Package: /{pk=$2} /^Version: /{v=$2} /^Filename: /{f=$2} /^SHA256: /{s=$2}
		/^$/{ if (pk ~ /^linux-source-[0-9.]+$/) print pk, v, f, s; pk="" }
		END{ if (pk ~ /^linux-source-[0-9.]+$/) print pk, v, f, s }' >"$dl/candidates"
	# the pinned version; else the newest of its series; else (the series
	# has left the suite) the newest series there is
	line=$(awk -v p="$UOB_NEW_PKG" -v v="$UOB_NEW_DEBVER" '$1==p && $2==v' "$dl/candidates")
	[ -n "$line" ] || line=$(awk -v p="$UOB_NEW_PKG" '$1==p' "$dl/candidates" | sort -V -k2 | tail -1)
	[ -n "$line" ] || line=$(sort -V -k2 "$dl/candidates" | tail -1)
	[ -n "$line" ] || uob_die "$UOB_NEW_SUITE has no linux-source package"
	read -r pkg ver file sum <<<"$line"
	[ "$pkg $ver" = "$UOB_NEW_PKG $UOB_NEW_DEBVER" ] ||
		uob_log "$UOB_NEW_PKG $UOB_NEW_DEBVER is gone from the archive; using $pkg $ver"
	deb=$dl/${pkg}_${ver}_all.deb
	uob_log "downloading $file"
	fetch "$UOB_DEBIAN_MIRROR/$file" "$deb"
	echo "$sum  $deb" | sha256sum -c --quiet || uob_die "$deb does not match Packages"
	touch "$deb.verified"
fi
pkg=$(basename "$deb"); pkg=${pkg%%_*}
ver=$(basename "$deb" _all.deb); ver=${ver#"${pkg}"_}
upstream=${ver%%-*}
src=$UOB_CACHE/linux-$upstream
if [ "$(cat "$src/.uob-unpacked" 2>/dev/null)" != "$ver" ]; then
	uob_log "unpacking $pkg $ver into $src"
	rm -rf "$src" "$src.tmp"; mkdir -p "$src.tmp"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
	echo "$ver" >"$src/.uob-unpacked"
fi

echo "$src"
