#!/usr/bin/env bash
# Installs what is missing, builds a release and runs the main job: tapmqd on its embedded defaults
# (config/tapmqd.conf). Extra arguments go to tapmqd, e.g. scripts/run.sh -v
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target tapmqd
mkdir -p data
exec build/release/tapmqd -c config/tapmqd.conf "$@"
