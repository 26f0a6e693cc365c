#!/usr/bin/env bash
# Installs missing packages, configures sluice with CMake (Ninja for a new build tree)
# and builds one target or all of them.
#   usage: scripts/build.sh BUILD_DIR TARGET|all [cmake -D options...]
# Parallel jobs: SLUICE_JOBS (default: number of CPUs).
set -euo pipefail

if (($# < 2)); then
  echo "usage: $0 BUILD_DIR TARGET|all [cmake -D options...]" >&2
  exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=$1
target=$2
shift 2
jobs=${SLUICE_JOBS:-$(nproc)}

bash "$root/scripts/setup.sh"

# A build tree keeps the generator it was created with; only a new one gets Ninja.
generator=()
[[ -f $build_dir/CMakeCache.txt ]] || generator=(-G Ninja)
cmake -S "$root" -B "$build_dir" "${generator[@]}" "$@"
cmake --build "$build_dir" --target "$target" --parallel "$jobs"
