#!/usr/bin/env bash
# The main job on the bundled default: set up, build, and run the bundled hardware-aware CIFAR-10
# ResNet-20 on the HERMES preset (four-phase reads, as the paper's experiments) over the bundled 500 test
# images: the digital reference's accuracy, then the simulated chip's at 1 s, 1 h, 1 day and 1 year after
# programming (mean ± std over 3 programming draws).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
./build/aimc eval --model models/resnet20_cifar10_hwa_drift.onnx --chip hermes --read-mode four-phase \
  --data cifar10:data/cifar10-test-500 --drift-times 1s,1h,1d,1y --repeats 3 --threads 2
