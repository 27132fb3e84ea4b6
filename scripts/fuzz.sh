#!/usr/bin/env bash
# Builds the libFuzzer targets with the `fuzz` preset (clang++) and runs every one of them (or those
# named) on its seed corpus.
#   scripts/fuzz.sh [SECONDS] [TARGET...]   SECONDS per target, default 60; TARGET e.g. fuzz_config
# CI runs `scripts/fuzz.sh 15` (scripts/test.sh): a build failure or a finding fails it.
# Each target works on a copy of its seed corpus (build/fuzz/corpus/NAME; what it learns is kept
# between runs, fuzz/corpus/NAME is never touched) and writes a crashing input to fuzz/findings/.
# Prints the executions of each target; exits non-zero on a finding, a crash or a build failure.
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds == 0)); then
  echo "usage: $0 [SECONDS] [TARGET...]" >&2
  exit 2
fi
shift || true

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Every target fuzz/CMakeLists.txt defines (tapmq_fuzz_target(NAME ...)).
mapfile -t all < <(grep -oE '^tapmq_fuzz_target\(fuzz_[a-z0-9_]+' fuzz/CMakeLists.txt | cut -d'(' -f2)
targets=("${@:-${all[@]}}")
for t in "${targets[@]}"; do
  if ! printf '%s\n' "${all[@]}" | grep -qx "$t"; then
    echo "fuzz: unknown target '$t' (known: ${all[*]})" >&2
    exit 2
  fi
done

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" --target "${targets[@]}"

build="$root/build/fuzz"
findings="$root/fuzz/findings"
mkdir -p "$findings"
listing() { find "$findings" -type f | sort; }
failed=()
for t in "${targets[@]}"; do
  name="${t#fuzz_}"
  work="$build/corpus/$name"
  log="$build/$t.log"
  mkdir -p "$work"
  if [[ -d "fuzz/corpus/$name" ]]; then cp -n "fuzz/corpus/$name"/* "$work/" 2>/dev/null || true; fi
  before="$(listing)"
  set +e
  "$build/fuzz/$t" "$work" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$findings/$t-" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
  new="$(comm -13 <(echo "$before") <(listing))"
  if ((rc != 0)) || [[ -n "$new" ]]; then
    echo "fuzz: $t: FINDING (exit status $rc) after ${execs:-?} executions; log $log; new inputs:" >&2
    echo "${new:-(none written)}" >&2
    tail -n 30 "$log" >&2
    failed+=("$t")
  else
    echo "fuzz: $t: ${execs:-?} executions in ${seconds}s on $(find "$work" -type f | wc -l) inputs, no findings"
  fi
done
if ((${#failed[@]} != 0)); then
  echo "fuzz: findings in ${failed[*]}" >&2
  exit 1
fi
