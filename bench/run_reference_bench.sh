#!/usr/bin/env bash
# aimc's digital reference vs torch (Debian's, fp32, CPU): images/s per model at the same batch and
# thread count, and the ratio aimc/torch.
#
#   bench/run_reference_bench.sh [BUILD_DIR]            (default BUILD_DIR: build)
#
# Environment: THREADS (default "1 2"), BATCH (default 128), SECONDS_PER_RUN (default 5),
# REPEATS (default 3). For each thread count and model the two are run alternately REPEATS times
# (so both see the same machine load) and the best images/s of each is kept. OMP_NUM_THREADS and
# torch.set_num_threads are both set to the thread count. The models are models/mnist_lenet.onnx
# and models/resnet20_cifar10.onnx for aimc, and the same networks and weights in torch
# (bench/torch_bench.py).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
threads=${THREADS:-"1 2"}
batch=${BATCH:-128}
seconds=${SECONDS_PER_RUN:-5}
repeats=${REPEATS:-3}
python=/usr/bin/python3
bench="$build/bench/bench_reference"
[[ -x $bench ]] || { echo "missing $bench: build the target bench_reference first" >&2; exit 2; }

aimc_ips() {  # model threads -> images/s
  OMP_NUM_THREADS=$2 AIMC_BENCH_THREADS=$2 AIMC_BENCH_BATCH=$batch "$bench" \
    --benchmark_filter="^$1/" --benchmark_min_time="$seconds" --benchmark_format=json 2>/dev/null |
    "$python" -c 'import json,sys; print(json.load(sys.stdin)["benchmarks"][0]["images_per_s"])'
}

torch_ips() {  # model threads -> images/s
  OMP_NUM_THREADS=$2 "$python" "$root/bench/torch_bench.py" --model "$1" --threads "$2" \
    --batch "$batch" --seconds "$seconds" |
    "$python" -c 'import json,sys; print(json.loads(sys.stdin.readlines()[-1])["images_per_s"])'
}

best() { printf '%s\n' "$@" | sort -g | tail -1; }

printf '%-12s %7s %5s %14s %14s %8s\n' model threads batch aimc_img_s torch_img_s ratio
for t in $threads; do
  for model in mnist_lenet resnet20; do
    a=() p=()
    for ((r = 0; r < repeats; r++)); do
      a+=("$(aimc_ips "$model" "$t")")
      p+=("$(torch_ips "$model" "$t")")
    done
    ai=$(best "${a[@]}")
    ti=$(best "${p[@]}")
    ratio=$("$python" -c "print(f'{$ai / $ti:.2f}')")
    printf '%-12s %7s %5s %14.1f %14.1f %7sx\n' "$model" "$t" "$batch" "$ai" "$ti" "$ratio"
  done
done
