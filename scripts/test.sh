#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite twice: a debug build, then an
# ASan+UBSan build. Warnings are errors in both. Then the release build of tapmqd and tapmq (what
# scripts/run.sh runs) must compile, and every libFuzzer target runs for a short time on its seed
# corpus (scripts/fuzz.sh; a build failure or a finding fails the run).
#   scripts/test.sh            both passes and the short fuzz run
#   scripts/test.sh debug      one pass (debug | asan | release), no fuzzing
#
# On two cores the builds are the long part and the tests mostly wait on sockets, so the full run
# builds the next preset (at a lower priority, its output in build/PRESET.log) while the tests of
# the previous one run: debug build -> debug tests + ASan build -> ASan tests + release and fuzz
# builds -> fuzz runs.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
if [[ -f tests/integration/js/package-lock.json ]]; then
  (cd tests/integration/js && npm ci --no-audit --no-fund --loglevel=error)
fi

scripts/check-format.sh --all

jobs=$(nproc)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

stamp() { printf '=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

# build PRESET [TARGET...]: configure and build in the foreground.
build() {
  local preset=$1
  shift
  cmake --preset "$preset" >/dev/null
  if (($# == 0)); then
    cmake --build --preset "$preset" -j "$jobs"
  else
    cmake --build --preset "$preset" -j "$jobs" --target "$@"
  fi
}

# build_behind PRESET [TARGET...]: the same in the background at a lower priority; its pid is
# left in $behind.
build_behind() {
  local preset=$1
  mkdir -p build
  (
    renice -n 10 -p "$BASHPID" >/dev/null
    build "$@" >"build/$preset.log" 2>&1
  ) </dev/null &
  behind=$!
  pending+=("$behind")
}

# A failing step must not leave a build running behind it.
pending=()
kill_tree() {
  local child
  for child in $(pgrep -P "$1" || true); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
trap 'for p in "${pending[@]}"; do kill_tree "$p"; done' EXIT

# await PID PRESET: waits for a background build; on failure shows its log and stops the run.
await() {
  if ! wait "$1"; then
    echo "=== $2: build failed; the end of build/$2.log:" >&2
    if grep -q FAILED "build/$2.log"; then
      sed -n '/FAILED/,$p' "build/$2.log" | head -n 200 >&2
    else
      tail -n 60 "build/$2.log" >&2
    fi
    exit 1
  fi
  stamp "$2: built"
}

run_tests() {
  stamp "$1: tests"
  ctest --preset "$1" -j "$jobs" --timeout 600
}

if (($# != 0)); then
  for preset in "$@"; do
    stamp "$preset: configure and build"
    build "$preset"
    run_tests "$preset"
  done
  exit 0
fi

stamp "debug: configure and build"
build debug
stamp "asan: build behind the debug tests"
build_behind asan
asan=$behind
run_tests debug
await "$asan" asan

# The README's main job runs a release build (scripts/run.sh): -O3 brings warnings of its own.
stamp "release and fuzz: build behind the ASan tests"
build_behind release tapmqd tapmq
release=$behind
build_behind fuzz
fuzz=$behind
run_tests asan
await "$release" release
await "$fuzz" fuzz

stamp "fuzz: every target, ${TAPMQ_FUZZ_SECONDS:-10} s each"
scripts/fuzz.sh "${TAPMQ_FUZZ_SECONDS:-10}"
stamp "all passed"
