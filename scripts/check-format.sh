#!/usr/bin/env bash
# Checks the formatting (.clang-format) of C++ files.
#   scripts/check-format.sh            files changed since origin/main's merge base, or in the last
#                                      commit when there is no such base (a fresh clone in CI)
#   scripts/check-format.sh --all      every tracked C++ file
#   scripts/check-format.sh BASE       files changed since BASE
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v clang-format >/dev/null; then
  echo "check-format: clang-format is not installed (scripts/install-deps.sh --test)" >&2
  exit 1
fi

pattern='\.(cpp|hpp|h|cc)$'
if [[ "${1:-}" == "--all" ]]; then
  files=$(git ls-files | grep -E "$pattern" || true)
else
  base=${1:-}
  if [[ -z "$base" ]]; then
    base=$(git merge-base HEAD origin/main 2>/dev/null || true)
    [[ -n "$base" && "$base" != "$(git rev-parse HEAD)" ]] || base=$(git rev-parse HEAD~1 2>/dev/null || true)
  fi
  if [[ -z "$base" ]]; then
    files=$(git ls-files | grep -E "$pattern" || true)
  else
    files=$( (git diff --name-only --diff-filter=d "$base"; git diff --name-only --diff-filter=d) | sort -u | grep -E "$pattern" || true)
  fi
fi

[[ -n "$files" ]] || { echo "check-format: no C++ files to check"; exit 0; }
bad=()
for f in $files; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  echo "check-format: not formatted per .clang-format (run clang-format -i):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check-format: $(wc -w <<<"$files") files formatted"
