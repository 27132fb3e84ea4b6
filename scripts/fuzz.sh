#!/usr/bin/env bash
# Builds the libFuzzer target with the `fuzz` preset (clang++) and fuzzes the MQTT decoder.
#   scripts/fuzz.sh [SECONDS]     default 60
# Works on a copy of the seed corpus (build/fuzz/corpus/decoder; what it learns is kept between runs,
# fuzz/corpus/decoder is never touched), runs two workers (-fork=2) and writes any crashing input to
# fuzz/findings/. Prints the total number of executions; exits non-zero on a finding.
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds == 0)); then
  echo "usage: $0 [SECONDS]" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target fuzz_decoder

build="$root/build/fuzz"
work="$build/corpus/decoder"
findings="$root/fuzz/findings"
log="$build/fuzz_decoder.log"
mkdir -p "$work" "$findings"
cp -n fuzz/corpus/decoder/* "$work/" 2>/dev/null || true

listing() { find "$findings" -type f | sort; }
before="$(listing)"
echo "fuzz: fuzz_decoder for ${seconds}s on $(find "$work" -type f | wc -l) inputs, log in $log"

set +e
"$build/fuzz/fuzz_decoder" "$work" \
  -fork=2 -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -ignore_crashes=0 -ignore_timeouts=0 -ignore_ooms=0 \
  -print_funcs=0 -print_final_stats=1 -artifact_prefix="$findings/" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

# In fork mode the parent's status lines ("#N: cov: ...") count the executions of every job.
execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
new="$(comm -13 <(echo "$before") <(listing))"
echo "fuzz: total executions: ${execs:-unknown}"
if ((rc != 0)) || [[ -n "$new" ]]; then
  echo "fuzz: FINDING (exit status $rc); new inputs in $findings:" >&2
  echo "${new:-(none written)}" >&2
  exit 1
fi
echo "fuzz: no findings"
