#!/usr/bin/env bash
# Installs what building and testing ckernel needs, from Debian 12 packages only. Run as root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config python3 ccache
  clang llvm libclang-rt-14-dev    # libFuzzer and sanitizer runtimes
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  libboost-program-options-dev
  libsentencepiece-dev             # cktrain vocab learns vocabularies with SentencePiece (pkg-config sentencepiece)
  libnuma-dev libcgroup-dev libaccel-config-dev libsystemd-dev
  uuid-dev                         # libaccel_config.h includes <uuid/uuid.h> but the -dev does not depend on it
  dbus systemd util-linux passwd   # dbus-daemon, busctl, setpriv, useradd for the daemon tests and the demo
  git debhelper lintian debootstrap systemd-container  # the Debian package and its booted-system test
  qemu-system-x86 seabios e2fsprogs  # the VM test (tests/vm): QEMU, its BIOS, mkfs.ext4 -d
  # PyTorch for /usr/bin/python3: regenerates and checks the training references (tests/train, label torch)
  # and is the baseline of scripts/bench-train-pytorch.py. Its matrix products go through libblas.so.3, which
  # is netlib's slow reference BLAS unless OpenBLAS provides it (the committed references used OpenBLAS).
  python3-torch python3-numpy libopenblas0-pthread
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages: ${missing[*]}; run as root (sudo $0)" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: all build and test dependencies present"
