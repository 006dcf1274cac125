#!/usr/bin/env bash
# The Debian mirror the host's apt uses, for the tests that debootstrap a Debian 12 tree (the package
# boot test and the VM test). Source it and call `debian_mirror`: it prints the URI, or prints why there
# is none on stderr and returns 1. One home for this fact, so both tests find the same mirror the same way.
#
# Where it looks, in order:
#   1. CKERNEL_DEBIAN_MIRROR, if set (a local mirror or proxy);
#   2. the deb822 files /etc/apt/sources.list.d/*.sources ("URIs:" of a "Types: deb" stanza), as a
#      stock Debian 12 has (there may be no /etc/apt/sources.list at all);
#   3. the one-line files /etc/apt/sources.list and /etc/apt/sources.list.d/*.list ("deb [opts] URI ...").
# Only a Debian archive counts: a URI whose last path element is "debian" (not debian-security and not a
# third-party repository).

# Prints the first Debian archive URI (without a trailing slash) found in the given apt source files.
_debian_mirror_in_files() {
  # Missing files are skipped by the caller; awk never sees a name that does not exist.
  awk '
    function archive(uri) { sub(/\/+$/, "", uri); return uri ~ /^[a-z+]+:\/\/.*\/debian$/ ? uri : "" }
    FNR == 1 { deb = 0; uris = "" }
    # deb822: a blank line ends a stanza; "Types:" and "URIs:" may come in either order.
    FILENAME ~ /\.sources$/ {
      if ($0 ~ /^[ \t]*$/) { deb = 0; uris = ""; next }
      if (tolower($1) == "types:") { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
      if (tolower($1) == "uris:") { uris = ""; for (i = 2; i <= NF; i++) uris = uris " " $i }
      if (deb && uris != "") {
        n = split(uris, list, " ")
        for (i = 1; i <= n; i++) if ((found = archive(list[i])) != "") { print found; exit }
        uris = ""
      }
      next
    }
    # one-line: "deb [option=value ...] URI suite component..."
    $1 == "deb" {
      i = 2
      if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
      if ((found = archive($i)) != "") { print found; exit }
    }
  ' "$@"
}

debian_mirror() {
  if [[ -n ${CKERNEL_DEBIAN_MIRROR:-} ]]; then
    echo "${CKERNEL_DEBIAN_MIRROR%/}"
    return 0
  fi
  local files=() file found
  for file in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $file ]] && files+=("$file")
  done
  if ((${#files[@]} == 0)); then
    echo "no apt source files on this host (looked for /etc/apt/sources.list.d/*.sources," \
      "/etc/apt/sources.list, /etc/apt/sources.list.d/*.list); set CKERNEL_DEBIAN_MIRROR" >&2
    return 1
  fi
  found=$(_debian_mirror_in_files "${files[@]}") || {
    echo "could not read the apt source files ${files[*]}" >&2
    return 1
  }
  if [[ -z $found ]]; then
    echo "no Debian archive (a URI ending in /debian) in ${files[*]}; set CKERNEL_DEBIAN_MIRROR" >&2
    return 1
  fi
  echo "$found"
}
