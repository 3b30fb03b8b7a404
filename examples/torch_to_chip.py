"""From a PyTorch model to its accuracy over drift and its energy on an analog chip, in Python.

Run (repository root, after scripts/build.sh):
    PYTHONPATH=build/python /usr/bin/python3 examples/torch_to_chip.py [--chip hermes] [--epochs 5]

1. trains a small CNN on the committed MNIST subset (800 images to train, 200 to test);
2. compiles it onto a preset chip, calibrating the converters on training images;
3. measures its accuracy on the chip from 1 s to 1 year after programming, over 3 programming draws;
4. runs one batch on the chip to look at its logits;
5. simulates its latency, throughput and energy per inference.
"""
import argparse
import gzip
from pathlib import Path

import numpy as np
import torch

import aimc

ROOT = Path(__file__).resolve().parents[1]


def mnist_subset():
    d = ROOT / "data" / "mnist-test-1k"
    with gzip.open(d / "t10k-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
    with gzip.open(d / "t10k-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    return x, y


def train(x, y, epochs, seed=0):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(256, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(epochs):
        for i in torch.randperm(len(xs)).split(32):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(xs[i]), ys[i]).backward()
            opt.step()
    return net.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chip", default="hermes", help="preset name or chip .yaml (default hermes)")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    x, y = mnist_subset()
    x_train, y_train, x_test, y_test = x[:800], y[:800], x[800:], y[800:]
    net = train(x_train, y_train, args.epochs)
    with torch.no_grad():
        torch_acc = (net(torch.from_numpy(x_test)).argmax(1).numpy() == y_test).mean()
    print(f"torch fp32 accuracy on 200 test images: {100 * torch_acc:.1f}%")

    chip = aimc.Chip.preset(args.chip) if not args.chip.endswith(".yaml") else aimc.Chip.load(args.chip)
    program = aimc.compile(net, chip, example=torch.zeros(1, 1, 28, 28), calibration_data=x_train[:64])
    print(program)
    for w in program.warnings:
        print("warning:", w)

    result = aimc.evaluate(program, chip, x_test, y_test, drift_times=["1s", "1h", "1d", "1y"], repeats=3,
                           threads=args.threads)
    print(f"digital reference: {100 * result.digital:.1f}%")
    for t, mean, std in zip(result.times_s, result.chip_mean, result.chip_std):
        print(f"on {chip.name}, {t:>10.0f} s after programming: {100 * mean:.1f}% ± {100 * std:.1f}")

    logits = aimc.run(program, chip, x_test[:8], t="1d", seed=1)
    print("chip's predictions one day after programming:", logits.argmax(1), "labels:", y_test[:8])

    perf = aimc.perf(program, chip, images=16)
    d = perf.to_dict()
    print(f"latency {1e6 * perf.latency_s:.2f} µs, {perf.inferences_per_s:,.0f} inferences/s, "
          f"{1e6 * perf.energy_per_inference_j:.3f} µJ per inference, {perf.tops_per_w:.2f} TOPS/W")
    top = sorted(d["energy_per_inference_by_component_j"].items(), key=lambda kv: -kv[1])[:3]
    print("largest energy components per inference:", ", ".join(f"{k} {1e6 * v:.3f} µJ" for k, v in top))
    return result, perf


if __name__ == "__main__":
    main()
