"""Train the LeNet-style MNIST CNN (model.py) on CPU and export it to ONNX.

Command (from the repository root; about 40 s on 2 cores):

    nice -n 10 /usr/bin/python3 models/mnist_lenet/train.py [--data ../shared/data/mnist] [--epochs 4]

Reads the four MNIST idx .gz files from --data. Writes
  models/mnist_lenet.onnx   opset 13, input "input" [batch,1,28,28] pixels in [0,1], output "output" [batch,10] logits
  models/mnist_lenet.pt     the state_dict (load into model.LeNet)
  models/mnist_lenet.json   {"full_test_accuracy": ..., "first1000_accuracy": ...} (fractions, torch fp32)
and updates the mnist_lenet row of the table in models/README.md.
Deterministic: seed 0, 2 threads, Adam with a cosine learning-rate schedule, batch 64, no augmentation.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from torch import nn

from model import LeNet, accuracy, load_mnist

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "models"))
from readme_table import set_row  # noqa: E402

COMMAND = "`nice -n 10 /usr/bin/python3 models/mnist_lenet/train.py`"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "mnist")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(0)
    train_x, train_y = load_mnist(args.data, "train")
    test_x, test_y = load_mnist(args.data, "t10k")

    model = LeNet()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps = args.epochs * ((len(train_x) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(0)
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(train_x), generator=gen)
        total = 0.0
        for i in range(0, len(perm), args.batch):
            idx = perm[i:i + args.batch]
            opt.zero_grad()
            loss = loss_fn(model(train_x[idx]), train_y[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        acc = accuracy(model, test_x, test_y)
        print(f"epoch {epoch + 1}: train loss {total / len(perm):.4f}, test accuracy {acc:.4f}, "
              f"{time.time() - t0:.0f} s", flush=True)

    full = accuracy(model, test_x, test_y)
    first1k = accuracy(model, test_x[:1000], test_y[:1000])
    print(f"torch accuracy: full test set {full:.4f} ({round(full * 10000)}/10000), "
          f"first 1000 {first1k:.4f} ({round(first1k * 1000)}/1000)")

    out = ROOT / "models"
    torch.save(model.state_dict(), out / "mnist_lenet.pt")
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), out / "mnist_lenet.onnx", opset_version=13,
                      do_constant_folding=True, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    (out / "mnist_lenet.json").write_text(
        json.dumps({"full_test_accuracy": full, "first1000_accuracy": first1k}, indent=2) + "\n")
    set_row(["mnist_lenet", "`mnist_lenet.onnx`", "MNIST (`../shared/data/mnist`; subset `data/mnist-test-1k`)",
             f"{100 * full:.2f}% ({round(full * 10000)}/10000)",
             f"{100 * first1k:.2f}% ({round(first1k * 1000)}/1000)", COMMAND])


if __name__ == "__main__":
    main()
