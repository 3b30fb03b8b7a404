#!/usr/bin/env bash
# Set up, build, and run every test (C++ unit tests and the end-to-end pytest suite) with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "${JOBS:-$(nproc)}"
