#!/usr/bin/env bash
# The main job on the bundled default: set up, build, and run the bundled MNIST model on the
# bundled test images with the digital reference, printing accuracy and speed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
./build/aimc infer --model models/mnist_lenet.onnx --data mnist:data/mnist-test-1k --threads 2
