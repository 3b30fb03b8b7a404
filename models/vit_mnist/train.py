"""Train the MNIST Vision Transformer (model.py) on CPU and export it to ONNX.

Command (from the repository root; 25 minutes here on 2 shared, loaded cores):

    nice -n 10 /usr/bin/python3 models/vit_mnist/train.py [--data ../shared/data/mnist] [--epochs 4]

Reads the four MNIST idx .gz files from --data. Writes
  models/vit_mnist.onnx   opset 17 (LayerNormalization as one op), input "input" [batch,1,28,28] pixels in [0,1],
                          output "output" [batch,10] logits
  models/vit_mnist.pt     the state_dict (load into model.VitMnist)
  models/vit_mnist.json   {"full_test_accuracy": ..., "first1000_accuracy": ...} (fractions, torch fp32)
and updates the vit_mnist row of the table in models/README.md.
Deterministic: seed 0, 2 threads, AdamW with a cosine learning-rate schedule and a warm-up, batch 128, random
shifts of up to 2 pixels.
"""

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

import torch
from torch import nn

from model import VitMnist, accuracy

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "models"))
from readme_table import set_row  # noqa: E402

# The MNIST idx reader of models/mnist_lenet/model.py (a module of the same name as this folder's model.py).
_spec = importlib.util.spec_from_file_location("mnist_lenet_model", ROOT / "models" / "mnist_lenet" / "model.py")
_lenet = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_lenet)
load_mnist = _lenet.load_mnist

COMMAND = "`nice -n 10 /usr/bin/python3 models/vit_mnist/train.py`"


def shifted(x, gen, pixels=2):
    """Each image moved by up to `pixels` in x and y (zeros shifted in)."""
    n = len(x)
    dx = torch.randint(-pixels, pixels + 1, (n,), generator=gen)
    dy = torch.randint(-pixels, pixels + 1, (n,), generator=gen)
    padded = nn.functional.pad(x, (pixels,) * 4)
    out = torch.empty_like(x)
    for i in range(n):
        out[i] = padded[i, :, pixels + dy[i]:pixels + dy[i] + 28, pixels + dx[i]:pixels + dx[i] + 28]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "mnist")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(0)
    train_x, train_y = load_mnist(args.data, "train")
    test_x, test_y = load_mnist(args.data, "t10k")

    model = VitMnist()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    per_epoch = (len(train_x) + args.batch - 1) // args.batch
    steps, warmup = args.epochs * per_epoch, per_epoch // 2
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + torch.cos(torch.tensor(torch.pi * s / steps)).item()))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    gen = torch.Generator().manual_seed(0)
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(train_x), generator=gen)
        total = 0.0
        for i in range(0, len(perm), args.batch):
            idx = perm[i:i + args.batch]
            opt.zero_grad()
            loss = loss_fn(model(shifted(train_x[idx], gen)), train_y[idx])
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
    torch.save(model.state_dict(), out / "vit_mnist.pt")
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), out / "vit_mnist.onnx", opset_version=17,
                      do_constant_folding=True, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    (out / "vit_mnist.json").write_text(
        json.dumps({"full_test_accuracy": full, "first1000_accuracy": first1k}, indent=2) + "\n")
    set_row(["vit_mnist", "`vit_mnist.onnx`", "MNIST (`../shared/data/mnist`; subset `data/mnist-test-1k`)",
             f"{100 * full:.2f}% ({round(full * 10000)}/10000)",
             f"{100 * first1k:.2f}% ({round(first1k * 1000)}/1000)", COMMAND])


if __name__ == "__main__":
    main()
