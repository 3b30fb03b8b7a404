"""Quantisation-aware training of the 4-bit 11-layer CIFAR-10 CNN (model.py) on CPU, and its QDQ ONNX export.

Command (from the repository root; 6 epochs by default, about 1 min per epoch on 2 idle cores and up to 15 min
when the cores are shared with C++ builds: the recorded run took 66 min):

    nice -n 19 /usr/bin/python3 models/cnn4b_cifar10/train.py [--epochs 6] [--data ../shared/data/cifar10]
    nice -n 19 /usr/bin/python3 models/cnn4b_cifar10/train.py --export-only   # export the last epoch's checkpoint

Trains from scratch on the CIFAR-10 training batches 1-3 (30,000 images: the ones in ../shared/data/cifar10/train
so far; --batches 1 2 3 4 5 once all are there) with random crop (4-pixel zero padding) and horizontal flip,
SGD (momentum 0.9, Nesterov, weight decay 5e-4 on weights, batch 128) with a one-cycle learning rate (peak 0.1),
4-bit weights and activations from the first step. Deterministic: seed 0, 2 threads.
Writes
  models/cnn4b_cifar10.onnx   opset 13, input "input" [batch,3,32,32] pixels in [0,1], output "output" [batch,10]
  models/cnn4b_cifar10.pt     the state_dict (load into model.Cnn4b); every epoch's state goes to --checkpoint
  models/cnn4b_cifar10.json   accuracies (fractions, torch eval mode = the exported fake-quant numerics)
and updates the cnn4b_cifar10 row of the table in models/README.md.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from model import Cnn4b, load_cifar10_train

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "models"))
sys.path.insert(0, str(ROOT))
import qdq_export  # noqa: E402,F401  (registers the narrow-range QDQ symbolics)
from readme_table import set_row  # noqa: E402
from models.resnet_cifar.model import load_cifar10  # noqa: E402
from models.mnist_lenet.model import accuracy  # noqa: E402

NAME = "cnn4b_cifar10"
COMMAND = "`nice -n 19 /usr/bin/python3 models/cnn4b_cifar10/train.py`"


def augment(x, gen):
    """Random 32x32 crop of the 4-pixel zero-padded images and random horizontal flip (per image)."""
    n = len(x)
    padded = F.pad(x, (4, 4, 4, 4))
    dx = torch.randint(0, 9, (n,), generator=gen)
    dy = torch.randint(0, 9, (n,), generator=gen)
    flip = torch.rand(n, generator=gen) < 0.5
    out = torch.empty_like(x)
    for i in range(n):
        img = padded[i, :, dy[i]:dy[i] + 32, dx[i]:dx[i] + 32]
        out[i] = img.flip(2) if flip[i] else img
    return out


def export(model, test_x, test_y, args, extra):
    model.eval()
    full = accuracy(model, test_x, test_y)
    first500 = accuracy(model, test_x[:500], test_y[:500])
    print(f"torch accuracy: full test set {full:.4f} ({round(full * 10000)}/10000), "
          f"first 500 {first500:.4f} ({round(first500 * 500)}/500)", flush=True)
    out = ROOT / "models"
    torch.save(model.state_dict(), out / f"{NAME}.pt")
    torch.onnx.export(model, torch.zeros(1, 3, 32, 32), out / f"{NAME}.onnx", opset_version=13,
                      do_constant_folding=True, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    (out / f"{NAME}.json").write_text(json.dumps(
        {"full_test_accuracy": full, "first500_accuracy": first500, **extra}, indent=2) + "\n")
    set_row([NAME, f"`{NAME}.onnx`", "CIFAR-10 (`../shared/data/cifar10/test_batch.bin`; subset `data/cifar10-test-500`)",
             f"{100 * full:.2f}% ({round(full * 10000)}/10000)", f"{100 * first500:.2f}% ({round(first500 * 500)}/500)",
             COMMAND])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "cifar10")
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--checkpoint", type=Path, default=Path("/tmp/cnn4b_cifar10.ckpt.pt"),
                    help="state_dict saved after every epoch (models/cnn4b_cifar10.pt is written only at the end)")
    ap.add_argument("--export-only", action="store_true", help="evaluate and export the --checkpoint state")
    args = ap.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(0)
    test_x, test_y = load_cifar10(args.data / "test_batch.bin")
    model = Cnn4b()
    if args.export_only:
        model.load_state_dict(torch.load(args.checkpoint, map_location="cpu"))
        export(model, test_x, test_y, args, {"checkpoint": str(args.checkpoint)})
        return
    train_x, train_y = load_cifar10_train(args.data / "train", args.batches)

    decay = [p for n, p in model.named_parameters() if n.endswith(("conv.weight", "fc.weight"))]
    other = [p for n, p in model.named_parameters() if not n.endswith(("conv.weight", "fc.weight"))]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": other, "weight_decay": 0}],
                          lr=args.lr, momentum=0.9, nesterov=True)
    steps_per_epoch = (len(train_x) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=args.epochs * steps_per_epoch,
                                                pct_start=0.15, div_factor=10, final_div_factor=100)
    gen = torch.Generator().manual_seed(0)
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(train_x), generator=gen)
        total, correct = 0.0, 0
        for i in range(0, len(perm), args.batch):
            idx = perm[i:i + args.batch]
            x, y = augment(train_x[idx], gen), train_y[idx]
            opt.zero_grad()
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            correct += (logits.argmax(1) == y).sum().item()
        acc = accuracy(model, test_x[:2000], test_y[:2000])
        torch.save(model.state_dict(), args.checkpoint)
        print(f"epoch {epoch + 1}/{args.epochs}: train loss {total / len(perm):.4f}, train acc "
              f"{correct / len(perm):.4f}, test acc (first 2000) {acc:.4f}, {time.time() - t0:.0f} s", flush=True)
    export(model, test_x, test_y, args, {"epochs": args.epochs, "train_images": len(train_x),
                                          "train_seconds": round(time.time() - t0)})


if __name__ == "__main__":
    main()
