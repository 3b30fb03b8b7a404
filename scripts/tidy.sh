#!/usr/bin/env bash
# clang-tidy with the agreed checks (.clang-tidy) over the given C++ files, or over those changed since
# HEAD~1; needs a configured build (build/compile_commands.json: scripts/build.sh). Exit 1 on findings.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/compile_commands.json ] || { echo "tidy: run scripts/build.sh first" >&2; exit 1; }
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <(git diff --name-only HEAD~1 -- '*.cpp' | grep -v '^bench/' || true)
fi
[ ${#files[@]} -eq 0 ] && { echo "tidy: no C++ files to check"; exit 0; }
out=$(clang-tidy -p build --quiet "${files[@]}" 2>/dev/null | grep -E "warning:|error:" || true)
if [ -n "$out" ]; then
  echo "$out"
  exit 1
fi
echo "tidy: ${#files[@]} file(s) clean"
