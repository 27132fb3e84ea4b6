#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite twice: a debug build, then an
# ASan+UBSan build. Warnings are errors in both. Then the release build of tapmqd and tapmq (what
# scripts/run.sh runs) must compile, and every libFuzzer target runs for a short time on its seed
# corpus (scripts/fuzz.sh; a build failure or a finding fails the run).
#   scripts/test.sh            both passes and the short fuzz run
#   scripts/test.sh debug      one pass (debug | asan | release), no fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
if [[ -f tests/integration/js/package-lock.json ]]; then
  (cd tests/integration/js && npm ci --no-audit --no-fund --loglevel=error)
fi

scripts/check-format.sh --all

jobs=$(nproc)
presets=("${@:-debug asan}")
for preset in ${presets[@]}; do
  echo "=== ${preset}: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "=== ${preset}: tests"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest --preset "$preset" -j "$jobs" --timeout 600
done

if (($# == 0)); then
  # The README's main job runs a release build (scripts/run.sh): -O3 brings warnings of its own.
  echo "=== release: build the main job's programs"
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$jobs" --target tapmqd tapmq
  echo "=== fuzz: every target, ${TAPMQ_FUZZ_SECONDS:-10} s each"
  scripts/fuzz.sh "${TAPMQ_FUZZ_SECONDS:-10}"
fi
