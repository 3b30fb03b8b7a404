#!/usr/bin/env bash
# Installs dependencies (scripts/setup.sh) and builds aimc into BUILD_DIR (default: build).
# Extra arguments go to CMake's configure step, e.g. -DAIMC_SANITIZE=ON; BUILD_TARGET builds one
# target instead of all (CI's sanitizer build: unit_tests); AIMC_WERROR=ON makes warnings errors (CI).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} ${AIMC_WERROR:+-DAIMC_WERROR=$AIMC_WERROR} "$@" >/dev/null
cmake --build "$BUILD_DIR" -j "${JOBS:-$(nproc)}" ${BUILD_TARGET:+--target "$BUILD_TARGET"}
