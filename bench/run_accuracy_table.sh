#!/usr/bin/env bash
# The accuracy table of the presets (issues 6, 12): every reference model on its chip over the test sets
# in ../shared/data (CIFAR-10: the first LIMIT images), 5 programming draws each, JSON per run into OUT (default bench/accuracy), then
# bench/accuracy_table.py writes the tables into docs/presets/*.md.
#   bench/run_accuracy_table.sh [BUILD_DIR] [OUT]        (about 1 h on 2 idle cores; LIMIT=10000 for the full
#   CIFAR-10 test set, about 5x longer; SKIP_DONE=1 keeps the runs whose JSON exists)
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
  "$B" eval "$@" --repeats 5 --threads 2 --json "$OUT/$name.json" --force | tail -n 7 || echo "== $name FAILED"
}
M=${MODELS:-build/models}   # the pretrained ResNet-32/56 exports (models/resnet_cifar/export_pretrained.py)
/usr/bin/python3 models/resnet_cifar/export_pretrained.py "$M" --depths 32 56 >/dev/null
L=${LIMIT:-2000}            # first N test images (10000 = the full set: about 5x the time)
AIHW=(--chip bench/chips/hermes-aihwkit.yaml --replicate none
      --pipeline 'fold-batchnorm,quantize{granularity=per-layer},lower-to-crossbar,partition,pack,replicate{mode=none},place,assign-digital,route,schedule')
run bnn_zhang --model models/bnn_mnist.onnx --chip zhang-bnn-sram --data mnist:../shared/data/mnist --drift-times 1s
run bnn_zhang_mismatch --model models/bnn_mnist.onnx --chip bench/chips/zhang-bnn-sram-mismatch.yaml --data mnist:../shared/data/mnist --drift-times 1s
run cnn4b_verma --model models/cnn4b_cifar10.onnx --chip verma-cimu --data $C --drift-times 1s --batch 125
run plain_hermes4 --model models/resnet20_cifar10.onnx --chip hermes --read-mode four-phase --data $C --drift-times $T --batch 125 --limit $L
run plain_hermes4_norep --model models/resnet20_cifar10.onnx --chip hermes --read-mode four-phase --data $C --drift-times $T --batch 125 --limit $L --replicate none
run resnet32_hermes4 --model $M/resnet32_cifar10.onnx --chip hermes --read-mode four-phase --data $C --drift-times $T --batch 125 --limit $L
run resnet56_hermes4 --model $M/resnet56_cifar10.onnx --chip hermes --read-mode four-phase --data $C --drift-times $T --batch 125 --limit $L
run resnet20_aihwkit --model models/resnet20_cifar10.onnx "${AIHW[@]}" --data $C --drift-times $T --batch 125 --limit $L
run resnet32_aihwkit --model $M/resnet32_cifar10.onnx "${AIHW[@]}" --data $C --drift-times $T --batch 125 --limit $L
run hwa_drift_hermes4 --model models/resnet20_cifar10_hwa_drift.onnx --chip hermes --read-mode four-phase --data $C --drift-times $T --batch 125 --limit $L
run hwa_drift_hermes4_nogdc --model models/resnet20_cifar10_hwa_drift.onnx --chip hermes --read-mode four-phase --data $C --drift-times $T --batch 125 --gdc off --limit $L
run hwa_hermes4 --model models/resnet20_cifar10_hwa.onnx --chip hermes --read-mode four-phase --data $C --drift-times $T --batch 125 --limit $L
run lstm_hermes4 --model models/lstm_ptb.onnx --chip hermes --read-mode four-phase --data $PTB --drift-times $T --limit 1000
run vit_hermes4 --model models/vit_mnist.onnx --chip hermes --read-mode four-phase --data mnist:../shared/data/mnist --drift-times $T --limit $L
run gpt_hermes4 --model models/gpt_ptb.onnx --chip hermes --read-mode four-phase --data ${PTB/seq=100/seq=128} --drift-times $T --limit 500
/usr/bin/python3 bench/accuracy_table.py "$OUT"
