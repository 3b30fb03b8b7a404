#!/usr/bin/env bash
# Fails when a C++ file differs from the house style (.clang-format); prints the files to fix.
# Fix with: clang-format -i $(git ls-files '*.cpp' '*.h')
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "check-format: clang-format is not installed (scripts/setup.sh installs it)" >&2
  exit 1
fi
bad=$(git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run 2>&1 | grep -o '^[^:]*\.\(cpp\|h\):' | sort -u || true)
if [ -n "$bad" ]; then
  echo "check-format: these files differ from .clang-format (clang-format -i FILE):" >&2
  echo "$bad" >&2
  exit 1
fi
echo "check-format: all C++ files follow .clang-format"
