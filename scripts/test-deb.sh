#!/bin/sh
# Builds attn's .deb with CPack, installs it with apt, runs it, and removes it again: the check that
# the package installs and works on a clean Debian 12 machine.
#
# On a fresh Debian 12 (bookworm), as root or with sudo:
#   apt-get update
#   apt-get install -y build-essential cmake ninja-build pkg-config git dpkg-dev help2man \
#       libfmt-dev nlohmann-json3-dev libcli11-dev libeigen3-dev libzip-dev doctest-dev
#   scripts/test-deb.sh            # from the source tree; BUILD_DIR=… to build elsewhere
#
# It leaves the machine as it found it: the package is purged at the end, even on failure.
# Needs root (apt-get install); runs apt-get through sudo when not root.
set -eu

source_dir=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$source_dir/build/deb}
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

if dpkg -s attn >/dev/null 2>&1; then
  echo "test-deb: the attn package is already installed; remove it first (apt-get purge attn)" >&2
  exit 1
fi

cmake -S "$source_dir" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DATTN_BUILD_TESTS=OFF
cmake --build "$build"
rm -f "$build"/attn_*.deb
(cd "$build" && cpack -G DEB)
deb=$(ls "$build"/attn_*.deb)
echo "test-deb: built $deb"
dpkg-deb --info "$deb"
dpkg-deb --contents "$deb"

cleanup() {
  $sudo apt-get purge -y attn >/dev/null 2>&1 || true
}
trap cleanup EXIT
# apt resolves the dependencies dpkg-shlibdeps wrote (libfmt9, libzip4, …); a ./ path makes apt
# read the file rather than look the name up.
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "$deb"

echo "test-deb: checking the installed package"
[ "$(command -v attn)" = /usr/bin/attn ]
attn --version
attn demo >/dev/null
attn attend --input /usr/share/attn/examples/causal-self-attention.json >/dev/null
[ -s /usr/share/man/man1/attn.1 ]
if command -v man >/dev/null; then MANPAGER=cat man -l /usr/share/man/man1/attn.1 >/dev/null; fi
[ -s /usr/share/bash-completion/completions/attn ]
[ -s /usr/share/zsh/vendor-completions/_attn ]
[ -s /usr/share/fish/vendor_completions.d/attn.fish ]
bash -c 'source /usr/share/bash-completion/completions/attn && complete -p attn' >/dev/null

$sudo apt-get purge -y attn
trap - EXIT
if dpkg -s attn >/dev/null 2>&1 || [ -e /usr/bin/attn ]; then
  echo "test-deb: attn is still installed after apt-get purge" >&2
  exit 1
fi
echo "test-deb: $(basename "$deb") installs, runs and uninstalls cleanly"
