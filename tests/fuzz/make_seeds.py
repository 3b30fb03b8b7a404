"""Writes the fuzzers' seed corpora (tests/fuzz/seeds/<target>/): small valid inputs of every kind, so
the fuzzers start from files the loaders accept. Run from the repository root with Debian's python3 after
a build (it uses build/aimc for the Program seeds); the seeds are committed."""
import gzip
import io
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests" / "fuzz" / "seeds"


def onnx_seeds(out):
    torch.manual_seed(0)
    models = {
        "cnn": (torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                                    torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 4, 5)),
                torch.zeros(1, 1, 8, 8)),
        "mlp": (torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Sigmoid(), torch.nn.Linear(8, 3), torch.nn.Softmax(1)),
                torch.zeros(1, 6)),
        "depthwise": (torch.nn.Sequential(torch.nn.Conv2d(4, 4, 3, groups=4), torch.nn.AdaptiveAvgPool2d(1),
                                          torch.nn.Flatten()), torch.zeros(1, 4, 6, 6)),
    }

    class Reshaping(torch.nn.Module):  # Shape → Gather → Concat → Reshape chains for constant folding
        def forward(self, x):
            return torch.relu(x.reshape(x.shape[0], -1) * 2 - 1).unsqueeze(1).transpose(1, 2)

    class Lstm(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb, self.lstm, self.out = torch.nn.Embedding(10, 4), torch.nn.LSTM(4, 6), torch.nn.Linear(6, 10)

        def forward(self, x):
            return self.out(self.lstm(self.emb(x))[0])

    models["reshape"] = (Reshaping(), torch.zeros(2, 3, 4))
    models["lstm"] = (Lstm(), torch.zeros(5, 1, dtype=torch.int64))
    for name, (model, example) in models.items():
        buf = io.BytesIO()
        torch.onnx.export(model.eval(), example, buf, opset_version=13, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
        (out / f"{name}.onnx").write_bytes(buf.getvalue())
    return out / "cnn.onnx"


def chip_seeds(out):
    for p in sorted((ROOT / "presets").glob("*.yaml")):
        shutil.copy(p, out / p.name)
    (out / "derived.yaml").write_text("base: hermes\nname: mine\ncores:\n  count: 4\n  arrangement: [2, 2]\n"
                                      "  adc:\n    bits: 6\n")


def program_seeds(out, model):
    for chip in ("hermes", "cluster-512", "verma-cimu"):
        subprocess.run([str(ROOT / "build" / "aimc"), "compile", "--model", str(model), "--chip", chip, "-o",
                        str(out / f"cnn-{chip}.program.json"), "--force", "--quiet", "--allow-quantize"],
                       check=True, capture_output=True)


def npy(a):
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def idx(array, code):
    return struct.pack(">BBBB", 0, 0, code, array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape) + \
        array.astype(np.uint8).tobytes()


def dataset_seeds(out):
    rng = np.random.default_rng(0)
    x = rng.random((3, 1, 4, 4), dtype=np.float32)
    y = np.array([0, 2, 1], np.int64)
    (out / "npy-f32").write_bytes(b"\x00" + npy(x))
    (out / "npy-u8").write_bytes(b"\x00" + npy((x * 255).astype(np.uint8)))
    xb, yb = npy(x), npy(y)
    # Inputs and labels: the reader splits the input in halves, so pad the shorter to the same length.
    pad = max(len(xb), len(yb))
    (out / "npy-pair").write_bytes(b"\x01" + xb.ljust(pad, b" ") + yb.ljust(pad, b" "))
    images, labels = idx((x[:, 0] * 255), 0x08), idx(y, 0x08)
    (out / "mnist").write_bytes(b"\x02" + images + labels)
    record = bytes([3]) + bytes(rng.integers(0, 256, 3072, dtype=np.uint8))
    (out / "cifar10").write_bytes(b"\x03" + record * 2)
    (out / "tokens").write_bytes(b"\x04" + b"the cat sat on the mat. the dog ate the log.\n" * 3)


def sweep_seeds(out):
    for p in sorted((ROOT / "examples" / "sweeps").glob("*.yaml")):
        shutil.copy(p, out / p.name)
    (out / "zip-random.yaml").write_text(
        "chips: [hermes, verma-cimu]\nmodels: [{model: models/mnist_lenet.onnx, data: \"mnist:data/mnist-test-1k\", limit: 8}]\n"
        "axes:\n  cores.adc.bits: [4, 6, 8]\n  cores.adc.full_scale: [1, 2, 4]\n  seed: [1, 2]\n"
        "  compile.replicate: [auto, none]\n  perf.stage_buffers: [unbounded, 2]\n  eval.drift_times: [\"1s,1d\", \"1y\"]\n"
        "zip: [[cores.adc.bits, cores.adc.full_scale]]\nmode: random\nsamples: 5\nsample_seed: 3\nrun: [eval, perf]\n"
        "eval: {repeats: 2, batch: 4}\nperf: {images: 2, chunks: auto, simulator: analytic}\n")


def main():
    for target in ("onnx", "chip_yaml", "program", "datasets", "sweep"):
        (SEEDS / target).mkdir(parents=True, exist_ok=True)
        for p in (SEEDS / target).iterdir():  # the inputs of past findings stay
            if not p.name.startswith("regression-"):
                p.unlink()
    model = onnx_seeds(SEEDS / "onnx")
    chip_seeds(SEEDS / "chip_yaml")
    program_seeds(SEEDS / "program", model)
    dataset_seeds(SEEDS / "datasets")
    sweep_seeds(SEEDS / "sweep")


if __name__ == "__main__":
    main()
