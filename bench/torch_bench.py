"""Torch fp32 inference throughput of the reference models, and the ResNet-20 ONNX export.

Commands (from the repository root):

    nice -n 10 /usr/bin/python3 bench/torch_bench.py [--model all|mnist_lenet|resnet20] [--threads 2]
                                                     [--batch 128] [--seconds 5] [--warmup-seconds 1]
    nice -n 10 /usr/bin/python3 bench/torch_bench.py --export PATH.onnx [--record]

Benchmark: per model, one JSON line {"model", "batch", "threads", "images_per_s", "cpu_images_per_s"} on stdout
(cpu_images_per_s: images per second of the process's CPU time, all threads). Inputs are
random pixels in [0, 1] (seed 0). mnist_lenet is models/mnist_lenet/model.py with models/mnist_lenet.pt,
the same weights as models/mnist_lenet.onnx; resnet20 is models/resnet_cifar/model.py with the shared
pretrained weights (../shared/data/cifar10_resnet_weights) when present, else seed-0 random weights.

--export writes that ResNet-20 to PATH as ONNX (opset 13, constant folding, input "input" [batch,3,32,32]
pixels in [0,1], output "output" [batch,10], dynamic batch) and does no benchmark. With --record it also
measures the torch accuracy on ../shared/data/cifar10/test_batch.bin (full 10k) and on
data/cifar10-test-500, writes them to PATH with suffix .json and updates the models/README.md row.
The committed model was made with:

    nice -n 10 /usr/bin/python3 bench/torch_bench.py --export models/resnet20_cifar10.onnx --record
"""

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from models.mnist_lenet.model import LeNet, accuracy  # noqa: E402
from models.readme_table import set_row  # noqa: E402
from models.resnet_cifar.model import CHECKPOINTS, WEIGHTS, ResNetCifar, load_cifar10, load_pretrained  # noqa: E402

CIFAR_FULL = ROOT.parent / "shared" / "data" / "cifar10" / "test_batch.bin"
CIFAR_SUBSET = ROOT / "data" / "cifar10-test-500" / "test_batch.bin"


def build(name):
    """(module in eval mode, input shape without batch) for a model name."""
    if name == "mnist_lenet":
        model = LeNet()
        model.load_state_dict(torch.load(ROOT / "models" / "mnist_lenet.pt", map_location="cpu"))
        return model.eval(), (1, 28, 28)
    if (WEIGHTS / CHECKPOINTS[20]).exists():
        return load_pretrained(20), (3, 32, 32)
    print(f"warning: {WEIGHTS / CHECKPOINTS[20]} not found, using seed-0 random weights", file=sys.stderr)
    torch.manual_seed(0)
    return ResNetCifar(20).eval(), (3, 32, 32)


@torch.inference_mode()
def bench(model, shape, batch, seconds, warmup_seconds):
    """(images per wall-clock second, per CPU second) of model on one random batch, run repeatedly for
    `seconds` after a warm-up."""
    x = torch.rand((batch,) + shape, generator=torch.Generator().manual_seed(0))
    t_end = time.perf_counter() + warmup_seconds
    model(x)
    while time.perf_counter() < t_end:
        model(x)
    runs, t0, cpu0 = 0, time.perf_counter(), time.process_time()
    while True:
        model(x)
        runs += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return runs * batch / elapsed, runs * batch / max(time.process_time() - cpu0, 1e-9)


def export(model, path):
    torch.onnx.export(model, torch.zeros(1, 3, 32, 32), path, opset_version=13, do_constant_folding=True,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})


def record(model, path):
    """Torch accuracy on the full CIFAR-10 test set and the committed 500-image subset -> PATH.json, README."""
    full = accuracy(model, *load_cifar10(CIFAR_FULL))
    subset = accuracy(model, *load_cifar10(CIFAR_SUBSET))
    print(f"torch accuracy: full test set {full:.4f} ({round(full * 10000)}/10000), "
          f"first 500 {subset:.4f} ({round(subset * 500)}/500)")
    path.with_suffix(".json").write_text(
        json.dumps({"full_test_accuracy": full, "first500_accuracy": subset}, indent=2) + "\n")
    set_row(["resnet20_cifar10", f"`{path.name}`",
             "CIFAR-10 (`../shared/data/cifar10/test_batch.bin`; subset `data/cifar10-test-500`)",
             f"{100 * full:.2f}% ({round(full * 10000)}/10000)", f"{100 * subset:.2f}% ({round(subset * 500)}/500)",
             f"`nice -n 10 /usr/bin/python3 bench/torch_bench.py --export models/{path.name} --record`"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=["all", "mnist_lenet", "resnet20"], default="all")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--warmup-seconds", type=float, default=1.0)
    ap.add_argument("--export", type=Path, metavar="PATH", help="export ResNet-20 to PATH (ONNX) and exit")
    ap.add_argument("--record", action="store_true", help="with --export: also record torch accuracy")
    args = ap.parse_args()
    if args.record and not args.export:
        ap.error("--record needs --export")

    torch.set_num_threads(args.threads)
    if args.export:
        model, _ = build("resnet20")
        export(model, args.export)
        print(f"wrote {args.export}")
        if args.record:
            record(model, args.export)
        return
    for name in (["mnist_lenet", "resnet20"] if args.model == "all" else [args.model]):
        model, shape = build(name)
        ips, cpu_ips = bench(model, shape, args.batch, args.seconds, args.warmup_seconds)
        print(json.dumps({"model": name, "batch": args.batch, "threads": args.threads,
                          "images_per_s": round(ips, 1), "cpu_images_per_s": round(cpu_ips, 1)}), flush=True)


if __name__ == "__main__":
    main()
