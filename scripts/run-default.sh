#!/usr/bin/env bash
# The main job on the bundled default: set up, build, and run the bundled hardware-aware CIFAR-10
# ResNet-20 on the HERMES preset (four-phase reads, as the paper's experiments) over the bundled 500 test
# images: the digital reference's accuracy, then the simulated chip's at 1 s, 1 h, 1 day and 1 year after
# programming (mean ± std over 3 programming draws); then its timing and energy on the chip, and one
# HTML report of both (OUT, default out/: default.eval.json, default.perf.json, report.html).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
OUT=${OUT:-out}
mkdir -p "$OUT"
MODEL=models/resnet20_cifar10_hwa_drift.onnx
./build/aimc eval --model "$MODEL" --chip hermes --read-mode four-phase \
  --data cifar10:data/cifar10-test-500 --drift-times 1s,1h,1d,1y --repeats 3 --threads 2 \
  --json "$OUT/default.eval.json" --force
./build/aimc perf --model "$MODEL" --chip hermes --read-mode four-phase \
  --calibration-data cifar10:data/cifar10-test-500 --json "$OUT/default.perf.json" --force > /dev/null
./build/aimc report "$OUT/default.eval.json" "$OUT/default.perf.json" -o "$OUT/report.html" --force
echo "open $OUT/report.html in a browser for the plots"
