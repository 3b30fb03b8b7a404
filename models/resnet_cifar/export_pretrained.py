"""Exports akamaster's pretrained CIFAR-10 ResNet-20/32/44/56 (../shared/data/cifar10_resnet_weights, BSD 2-Clause,
(c) 2018 Yerlan Idelbayev) to ONNX, as bench/torch_bench.py exports ResNet-20 (opset 13, constant folding, input
"input" [batch, 3, 32, 32] with pixels in [0, 1], the mean/std normalisation inside the graph, BatchNorm folded
by torch's exporter). Used by bench/run_accuracy_table.sh for the pretrained-network rows.

    /usr/bin/python3 models/resnet_cifar/export_pretrained.py OUT_DIR [--depths 32 56]

Writes OUT_DIR/resnet{depth}_cifar10.onnx (skips files that exist).
"""

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from models.resnet_cifar.model import load_pretrained  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--depths", type=int, nargs="+", default=[32, 56])
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)
    for depth in a.depths:
        path = a.out / f"resnet{depth}_cifar10.onnx"
        if path.exists():
            continue
        torch.onnx.export(load_pretrained(depth), torch.zeros(1, 3, 32, 32), path, opset_version=13,
                          do_constant_folding=True, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
        print(path)


if __name__ == "__main__":
    main()
