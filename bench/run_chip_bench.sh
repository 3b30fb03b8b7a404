#!/usr/bin/env bash
# The chip path (aimc's functional simulation, bench_chip) vs torch fp32 (bench/torch_bench.py) on the
# same network in one run: ResNet-20 for CIFAR-10 (models/resnet20_cifar10.onnx; torch runs the same
# network and weights) at batch 128 on `hermes` in its four-phase read mode at t = 1 h, with every
# non-ideality the preset models on (PCM programming noise, drift, read noise, global drift
# compensation, 8-bit input DACs, output noise, 8-bit ADCs, 16-bit partial sums).
#
#   bench/run_chip_bench.sh [BUILD_DIR]            (default BUILD_DIR: build)
#
# Environment: THREADS (default "1 2"), BATCH (default 128), SECONDS_PER_RUN (default 5),
# REPEATS (default 3), CHIP (default hermes), READ_MODE (default four-phase). Per thread count the
# two run alternately REPEATS times (so both see the same machine load) and the best of each is
# kept. OMP_NUM_THREADS and torch.set_num_threads are both the thread count. Columns: images/s
# (wall clock) of each and their ratio chip/torch; then images per CPU-second of each and their
# ratio (steadier when other processes share the cores).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
threads=${THREADS:-"1 2"}
batch=${BATCH:-128}
seconds=${SECONDS_PER_RUN:-5}
repeats=${REPEATS:-3}
python=/usr/bin/python3
bench="$build/bench/bench_chip"
[[ -x $bench ]] || { echo "missing $bench: build the target bench_chip first" >&2; exit 2; }

chip_run() {  # threads -> "wall_ips cpu_ips"
  OMP_NUM_THREADS=$1 AIMC_BENCH_THREADS=$1 AIMC_BENCH_BATCH=$batch AIMC_BENCH_CHIP=${CHIP:-hermes} \
    AIMC_BENCH_READ_MODE=${READ_MODE:-four-phase} "$bench" --benchmark_min_time="$seconds" --benchmark_format=json \
    2>/dev/null | "$python" -c 'import json,sys; b=json.load(sys.stdin)["benchmarks"][0]; print(b["images_per_s"], b["cpu_images_per_s"])'
}

torch_run() {  # threads -> "wall_ips cpu_ips"
  OMP_NUM_THREADS=$1 "$python" "$root/bench/torch_bench.py" --model resnet20 --threads "$1" --batch "$batch" \
    --seconds "$seconds" |
    "$python" -c 'import json,sys; b=json.loads(sys.stdin.readlines()[-1]); print(b["images_per_s"], b["cpu_images_per_s"])'
}

best() { printf '%s\n' "$@" | sort -g | tail -1; }

printf '%7s %5s %12s %12s %7s %12s %12s %7s\n' threads batch chip_img_s torch_img_s ratio chip_img_cpu_s torch_img_cpu_s ratio
for t in $threads; do
  cw=() cc=() tw=() tc=()
  for ((r = 0; r < repeats; r++)); do
    read -r w c <<<"$(chip_run "$t")"
    cw+=("$w") cc+=("$c")
    read -r w c <<<"$(torch_run "$t")"
    tw+=("$w") tc+=("$c")
  done
  a=$(best "${cw[@]}") b=$(best "${tw[@]}") c=$(best "${cc[@]}") d=$(best "${tc[@]}")
  "$python" -c "print(f'{$t:7d} {$batch:5d} {$a:12.1f} {$b:12.1f} {$a / $b:6.2f}x {$c:12.1f} {$d:12.1f} {$c / $d:6.2f}x')"
done
