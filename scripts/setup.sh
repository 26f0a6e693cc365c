#!/usr/bin/env bash
# Installs the Debian 12 packages sluice needs to build, test and benchmark (curl is
# the outside client of the HTTP tests; with --fuzz also clang-14 and libFuzzer, for
# scripts/fuzz.sh). Installs only what is missing
# (checked with dpkg-query first), so a second run changes nothing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config python3
  libtbb-dev libabsl-dev libflatbuffers-dev flatbuffers-compiler libsimdjson-dev libisal-dev
  libbenchmark-dev libgtest-dev libgmock-dev googletest
  libboost-dev zlib1g-dev libcurl4-openssl-dev curl
)
for arg in "$@"; do
  case $arg in
    --fuzz) packages+=(clang-14 libfuzzer-14-dev libclang-rt-14-dev) ;;
    *) echo "setup: unknown argument '$arg' (--fuzz adds clang-14 and libFuzzer)" >&2; exit 2 ;;
  esac
done

fail() {
  echo "setup: $*" >&2
  exit 1
}

command -v dpkg-query >/dev/null 2>&1 ||
  fail "dpkg-query not found: this script expects Debian 12 (bookworm). Install these packages by other means: ${packages[*]}"

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} required packages are installed"
  exit 0
fi
echo "setup: installing ${missing[*]}"

if ((EUID == 0)); then
  as_root=(env)
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo env)
else
  fail "not root and sudo is not available; as root, run: apt-get install ${missing[*]}"
fi

apt_get() {
  "${as_root[@]}" DEBIAN_FRONTEND=noninteractive \
    apt-get -o DPkg::Lock::Timeout=300 -y -q "$@"
}
apt_get update ||
  fail "apt-get update failed (network or sources.list?); missing packages: ${missing[*]}"
apt_get install --no-install-recommends "${missing[@]}" ||
  fail "apt-get install failed for: ${missing[*]} (check the names with apt-cache policy)"
echo "setup: done"
