#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz: ONNX importer, chip YAML, Program JSON, dataset readers, sweep files) with
# clang, ASan and UBSan into build-fuzz, then runs each for SECONDS (default 30) from its committed seeds.
# Fails on any finding (crash, sanitizer report, non-aimc::Error exception, input slower than 10 s);
# the input that caused it is kept as build-fuzz/finding-<target>-*. A longer campaign: scripts/fuzz.sh 3600.
# FUZZ_UNIT_TESTS=1 also builds the unit tests in that sanitizer build and runs them first (CI: one
# sanitizer build of the libraries serves both).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-30}
bash scripts/setup.sh
UNIT=${FUZZ_UNIT_TESTS:-0}
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DAIMC_FUZZ=ON -DAIMC_SANITIZE=ON -DAIMC_BUILD_TESTS=$([ "$UNIT" = 1 ] && echo ON || echo OFF) \
  -DAIMC_BUILD_BENCH=OFF -DAIMC_BUILD_PYTHON=OFF ${AIMC_WERROR:+-DAIMC_WERROR=$AIMC_WERROR} \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" >/dev/null
if [ "$UNIT" = 1 ]; then
  cmake --build build-fuzz --target fuzzers unit_tests -j "${JOBS:-$(nproc)}"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-fuzz -L unit --output-on-failure -j "${JOBS:-$(nproc)}"
else
  cmake --build build-fuzz --target fuzzers -j "${JOBS:-$(nproc)}"
fi
for target in onnx chip_yaml program datasets sweep; do
  corpus=$(mktemp -d)  # what the run finds goes here; the committed seeds are only read
  echo "fuzz_$target: ${SECONDS_EACH} s"
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    "build-fuzz/tests/fuzz/fuzz_$target" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=4096 -malloc_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="build-fuzz/finding-$target-" "$corpus" "tests/fuzz/seeds/$target" \
    > "build-fuzz/fuzz_$target.log" 2>&1 || { tail -n 40 "build-fuzz/fuzz_$target.log"; exit 1; }
  grep -E "^#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb" "build-fuzz/fuzz_$target.log" || true
  rm -rf "$corpus"
done
