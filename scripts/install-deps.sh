#!/usr/bin/env bash
# Installs the Debian packages tapmq needs, only those that are missing.
# Runs apt-get as root, through sudo otherwise.
#   scripts/install-deps.sh          build + run dependencies
#   scripts/install-deps.sh --test   also what the test suite needs
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-system-dev libssl-dev
  libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  librocksdb-dev libjemalloc-dev
  libargon2-dev zlib1g-dev ccache
  nodejs npm
)
test_pkgs=(
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  clang clang-format libclang-rt-14-dev
  mosquitto mosquitto-clients python3 python3-pytest python3-paho-mqtt python3-cryptography
  python3-prometheus-client strace
  chromium
)

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then
  want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # nodejs/npm may come from outside Debian on some machines: accept working binaries
    if [[ "$p" == nodejs ]] && command -v node >/dev/null; then continue; fi
    if [[ "$p" == npm ]] && command -v npm >/dev/null; then continue; fi
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
