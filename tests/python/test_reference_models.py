"""Consistency of the committed reference models (no aimc needed): each .onnx follows the export
conventions and computes what its torch module computes (checked with the numpy evaluator onnx_ref.py),
and the accuracies recorded in models/*.json are what torch measures now.

Run (from the repository root):  /usr/bin/python3 -m pytest tests/python/test_reference_models.py
Tests that need ../shared/data (full test sets, pretrained ResNet weights) are skipped when it is absent.
"""

import json
import sys

import numpy as np
import onnx
import pytest
import torch

import onnx_ref
from helpers import ROOT, close

sys.path.insert(0, str(ROOT))
from models.mnist_lenet.model import LeNet, accuracy, load_mnist  # noqa: E402
from models.resnet_cifar.model import CHECKPOINTS, WEIGHTS, load_cifar10, load_pretrained  # noqa: E402

MODELS = ROOT / "models"
SHARED = ROOT.parent / "shared" / "data"
torch.set_num_threads(2)


def mnist_module():
    model = LeNet()
    model.load_state_dict(torch.load(MODELS / "mnist_lenet.pt", map_location="cpu"))
    return model.eval()


def resnet_module():
    if not (WEIGHTS / CHECKPOINTS[20]).exists():
        pytest.skip(f"{WEIGHTS / CHECKPOINTS[20]} not found")
    return load_pretrained(20)


@pytest.mark.parametrize("name, shape", [("mnist_lenet", [1, 28, 28]), ("resnet20_cifar10", [3, 32, 32])])
def test_export_conventions(name, shape):
    path = MODELS / f"{name}.onnx"
    assert path.stat().st_size < 2 * 1024 * 1024
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] == [13]
    (inp,), (out,) = model.graph.input, model.graph.output
    assert (inp.name, out.name) == ("input", "output")
    in_dims = [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim]
    out_dims = [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim]
    assert in_dims == ["batch", *shape] and out_dims == ["batch", 10]


def test_mnist_onnx_matches_state_dict():
    images, _ = load_mnist(ROOT / "data" / "mnist-test-1k")
    x = images[:200]
    with torch.no_grad():
        want = mnist_module()(x).numpy()
    got, = onnx_ref.run(onnx.load(str(MODELS / "mnist_lenet.onnx")), [x.numpy()])
    assert close(got, want)


def test_resnet20_onnx_matches_pretrained():
    model = resnet_module()
    x, _ = load_cifar10(ROOT / "data" / "cifar10-test-500" / "test_batch.bin", limit=16)
    with torch.no_grad():
        want = model(x).numpy()
    got, = onnx_ref.run(onnx.load(str(MODELS / "resnet20_cifar10.onnx")), [x.numpy()])
    assert close(got, want)


def test_mnist_recorded_accuracy():
    recorded = json.loads((MODELS / "mnist_lenet.json").read_text())
    model = mnist_module()
    assert accuracy(model, *load_mnist(ROOT / "data" / "mnist-test-1k")) == recorded["first1000_accuracy"]
    if not (SHARED / "mnist" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("full MNIST test set not found")
    assert accuracy(model, *load_mnist(SHARED / "mnist")) == recorded["full_test_accuracy"]
    assert recorded["full_test_accuracy"] >= 0.99


def test_resnet20_recorded_accuracy():
    recorded = json.loads((MODELS / "resnet20_cifar10.json").read_text())
    model = resnet_module()
    subset = load_cifar10(ROOT / "data" / "cifar10-test-500" / "test_batch.bin")
    assert len(subset[1]) == 500
    assert accuracy(model, *subset) == recorded["first500_accuracy"]
    if not (SHARED / "cifar10" / "test_batch.bin").exists():
        pytest.skip("full CIFAR-10 test set not found")
    assert accuracy(model, *load_cifar10(SHARED / "cifar10" / "test_batch.bin")) == recorded["full_test_accuracy"]


def test_subsets_are_prefixes_of_the_full_sets():
    if not (SHARED / "mnist" / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("../shared/data not found")
    sub_x, sub_y = load_mnist(ROOT / "data" / "mnist-test-1k")
    full_x, full_y = load_mnist(SHARED / "mnist")
    assert sub_x.shape == (1000, 1, 28, 28)
    assert torch.equal(sub_x, full_x[:1000]) and torch.equal(sub_y, full_y[:1000])
    sub = np.fromfile(ROOT / "data" / "cifar10-test-500" / "test_batch.bin", np.uint8)
    full = np.fromfile(SHARED / "cifar10" / "test_batch.bin", np.uint8, count=sub.size)
    assert sub.size == 500 * 3073 and np.array_equal(sub, full)
