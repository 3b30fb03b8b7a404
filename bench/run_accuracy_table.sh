#!/usr/bin/env bash
# The accuracy table of the presets (issue 6): every reference model on its chip over the FULL test sets
# in ../shared/data, 5 programming draws each, JSON per run into OUT (default bench/accuracy), then
# bench/accuracy_table.py writes the tables into docs/presets/*.md.
#   bench/run_accuracy_table.sh [BUILD_DIR] [OUT]        (about 1.5 h on 2 idle cores)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}/aimc
OUT=${2:-bench/accuracy}
mkdir -p "$OUT"
C=cifar10:../shared/data/cifar10
T=1s,1h,1d,1y
PTB=tokens:../shared/data/ptb/ptb.test.txt,vocab=data/ptb-test-excerpt/vocab.txt,level=char,seq=100
run() {
  local name=$1; shift
  if [[ -n "${SKIP_DONE:-}" && -f "$OUT/$name.json" ]]; then echo "== $name: done before"; return; fi
  echo "== $name $(date +%T)"
  "$B" eval "$@" --repeats 5 --threads 2 --json "$OUT/$name.json" | tail -n 7
}
# Full test sets for the presets' headline rows; the first 2000 images (1000 PTB windows) for the
# ablations, which a 2-core machine cannot afford at 5 draws x 4 times x 10000 images each.
run bnn_zhang --model models/bnn_mnist.onnx --chip zhang-bnn-sram --data mnist:../shared/data/mnist --drift-times 1s
run bnn_zhang_mismatch --model models/bnn_mnist.onnx --chip bench/chips/zhang-bnn-sram-mismatch.yaml --data mnist:../shared/data/mnist --drift-times 1s
run hwa_drift_hermes4 --model models/resnet20_cifar10_hwa_drift.onnx --chip hermes --read-mode four-phase --data $C --drift-times $T --batch 125
run plain_hermes4 --model models/resnet20_cifar10.onnx --chip hermes --read-mode four-phase --data $C --drift-times $T --batch 125
run cnn4b_verma --model models/cnn4b_cifar10.onnx --chip verma-cimu --data $C --drift-times 1s --batch 125
run hwa_drift_hermes4_nogdc --model models/resnet20_cifar10_hwa_drift.onnx --chip hermes --read-mode four-phase --data $C --drift-times $T --batch 125 --gdc off --limit 2000
run hwa_hermes4 --model models/resnet20_cifar10_hwa.onnx --chip hermes --read-mode four-phase --data $C --drift-times $T --batch 125 --limit 2000
run lstm_hermes4 --model models/lstm_ptb.onnx --chip hermes --read-mode four-phase --data $PTB --drift-times $T --limit 1000
/usr/bin/python3 bench/accuracy_table.py "$OUT"
