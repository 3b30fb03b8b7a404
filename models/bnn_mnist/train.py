"""Train the binarized MNIST network (model.py) on CPU and export its deployed form to ONNX.

Command (from the repository root; about 2 min on 2 cores):

    nice -n 19 /usr/bin/python3 models/bnn_mnist/train.py [--data ../shared/data/mnist] [--epochs 30]

Adam (lr 5e-3, cosine to 0), batch 100, no augmentation, seed 0, 1 thread (faster than 2 for this tiny model); latent weights clipped to [-1, 1].
Writes
  models/bnn_mnist.onnx   opset 13, input "input" [batch,1,28,28] pixels in [0,1], output "output" [batch,10];
                          Slice, AveragePool, QuantizeLinear/Clip/DequantizeLinear (5-bit input), Flatten,
                          Gemm (+-1 weights, thresholds as bias), Sign, Gemm, Sign, Gemm (no bias), Mul, Add
  models/bnn_mnist.pt     the deployed state_dict (load into model.BnnDeploy)
  models/bnn_mnist.json   accuracies (fractions) of the deployed form, and of the training form (BatchNorm)
and updates the bnn_mnist row of the table in models/README.md.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from torch import nn

from model import BnnTrain, chip_input

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "models"))
sys.path.insert(0, str(ROOT))
import qdq_export  # noqa: E402,F401  (registers the narrow-range QDQ symbolics)
from readme_table import set_row  # noqa: E402
from models.mnist_lenet.model import accuracy, load_mnist  # noqa: E402

NAME = "bnn_mnist"
COMMAND = "`nice -n 19 /usr/bin/python3 models/bnn_mnist/train.py`"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "mnist")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--lr", type=float, default=5e-3)
    args = ap.parse_args()

    torch.set_num_threads(1)  # a tiny model: one thread is faster than two on the shared cores
    torch.manual_seed(0)
    train_x, train_y = load_mnist(args.data, "train")
    test_x, test_y = load_mnist(args.data, "t10k")
    model = BnnTrain()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps = args.epochs * ((len(train_x) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(0)
    train_h = chip_input(train_x)  # the fixed 5-bit 11x11 inputs, computed once
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(train_x), generator=gen)
        total = 0.0
        for i in range(0, len(perm), args.batch):
            idx = perm[i:i + args.batch]
            opt.zero_grad()
            loss = loss_fn(model(train_h[idx], prepared=True), train_y[idx])
            loss.backward()
            opt.step()
            sched.step()
            model.clip_weights()
            total += loss.item() * len(idx)
        if (epoch + 1) % 5 == 0 or epoch + 1 == args.epochs:
            print(f"epoch {epoch + 1}: train loss {total / len(perm):.4f}, test accuracy (BN form) "
                  f"{accuracy(model, test_x, test_y):.4f}, deployed {accuracy(model.deploy(), test_x, test_y):.4f}, "
                  f"{time.time() - t0:.0f} s", flush=True)

    bn_form = accuracy(model, test_x, test_y)
    deployed = model.deploy()
    full = accuracy(deployed, test_x, test_y)
    first1k = accuracy(deployed, test_x[:1000], test_y[:1000])
    print(f"torch accuracy (deployed): full test set {full:.4f} ({round(full * 10000)}/10000), "
          f"first 1000 {first1k:.4f} ({round(first1k * 1000)}/1000); training form {bn_form:.4f}")

    out = ROOT / "models"
    torch.save(deployed.state_dict(), out / f"{NAME}.pt")
    torch.onnx.export(deployed, torch.zeros(1, 1, 28, 28), out / f"{NAME}.onnx", opset_version=13,
                      do_constant_folding=True, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    (out / f"{NAME}.json").write_text(json.dumps(
        {"full_test_accuracy": full, "first1000_accuracy": first1k, "training_form_full_test_accuracy": bn_form,
         "epochs": args.epochs, "train_seconds": round(time.time() - t0)}, indent=2) + "\n")
    set_row([NAME, f"`{NAME}.onnx`", "MNIST (`../shared/data/mnist`; subset `data/mnist-test-1k`)",
             f"{100 * full:.2f}% ({round(full * 10000)}/10000)",
             f"{100 * first1k:.2f}% ({round(first1k * 1000)}/1000)", COMMAND])


if __name__ == "__main__":
    main()
