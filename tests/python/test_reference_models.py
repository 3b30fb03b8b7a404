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
from helpers import ROOT, close, full_tests

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
    if not full_tests():
        pytest.skip("full CIFAR-10 evaluation: set AIMC_FULL_TESTS=1")
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


# ---------------------------------------------------------------- models of issue 8 (bnn, cnn4b, hwa, lstm)
from models.bnn_mnist.model import BnnDeploy  # noqa: E402
from models.cnn4b_cifar10.model import Cnn4b  # noqa: E402
from models.lstm_ptb.model import CharLSTM, encode, evaluate, read_text, vocabulary, windows  # noqa: E402
from models.resnet_cifar.hwa import folded_resnet  # noqa: E402

PTB_EXCERPT = ROOT / "data" / "ptb-test-excerpt"
NEW_MODELS = {
    # name: (module factory, input dims after the batch, output dims after the batch, op types allowed)
    "bnn_mnist": (BnnDeploy, [1, 28, 28], [10], {"Slice", "AveragePool", "QuantizeLinear", "Clip", "DequantizeLinear",
                                                   "Flatten", "Gemm", "Sign", "Mul", "Add", "Constant", "Pad", "MatMul"}),
    "cnn4b_cifar10": (Cnn4b, [3, 32, 32], [10], {"QuantizeLinear", "Clip", "DequantizeLinear", "Conv",
                                                  "BatchNormalization", "Relu", "MaxPool", "Flatten", "Gemm",
                                                  "Constant", "Identity"}),
    "resnet20_cifar10_hwa": (lambda: folded_resnet(20), [3, 32, 32], [10], None),
    "resnet20_cifar10_hwa_drift": (lambda: folded_resnet(20), [3, 32, 32], [10], None),
}


def lstm_from_json():
    rec = json.loads((MODELS / "lstm_ptb.json").read_text())
    return CharLSTM(rec["vocab"], rec["embed"], rec["hidden"])


def new_module(name):
    path = MODELS / f"{name}.pt"
    if not path.exists() or not (MODELS / f"{name}.json").exists():
        pytest.skip(f"{path} not made yet")
    model = NEW_MODELS[name][0]() if name in NEW_MODELS else lstm_from_json()
    model.load_state_dict(torch.load(path, map_location="cpu"))
    return model.eval()


@pytest.mark.parametrize("name", list(NEW_MODELS))
def test_new_export_conventions(name):
    path = MODELS / f"{name}.onnx"
    if not path.exists():
        pytest.skip(f"{path} not made yet")
    assert path.stat().st_size < 10 * 1024 * 1024
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] == [13]
    (inp,), (out,) = model.graph.input, model.graph.output
    assert (inp.name, out.name) == ("input", "output")
    _, in_shape, out_shape, ops = NEW_MODELS[name]
    assert [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim] == ["batch", *in_shape]
    assert [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim] == ["batch", *out_shape]
    if ops is not None:
        assert {n.op_type for n in model.graph.node} <= ops


def test_bnn_weights_are_binary_and_sign_sees_no_zero():
    model = new_module("bnn_mnist")
    for w in (model.w1, model.w2, model.w3):
        assert set(w.unique().tolist()) == {-1.0, 1.0}
    graph = onnx.load(str(MODELS / "bnn_mnist.onnx")).graph
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in graph.initializer}
    gemm_w = [inits[n.input[1]] for n in graph.node if n.op_type in ("Gemm", "MatMul")]
    assert len(gemm_w) == 3 and all(set(np.unique(w)) == {-1.0, 1.0} for w in gemm_w)
    images, _ = load_mnist(ROOT / "data" / "mnist-test-1k")
    from models.bnn_mnist.model import chip_input
    with torch.no_grad():
        z1 = torch.nn.functional.linear(chip_input(images), model.w1, model.t1)
        z2 = torch.nn.functional.linear(torch.sign(z1), model.w2, model.t2)
    assert (z1 != 0).all() and (z2 != 0).all()


@pytest.mark.parametrize("name, dataset", [("bnn_mnist", "mnist"), ("cnn4b_cifar10", "cifar10"),
                                           ("resnet20_cifar10_hwa", "cifar10"),
                                           ("resnet20_cifar10_hwa_drift", "cifar10")])
def test_new_onnx_matches_state_dict(name, dataset):
    model = new_module(name)
    if dataset == "mnist":
        x = load_mnist(ROOT / "data" / "mnist-test-1k")[0][:200]
    else:
        x = load_cifar10(ROOT / "data" / "cifar10-test-500" / "test_batch.bin", limit=16)[0]
    with torch.no_grad():
        want = model(x).numpy()
    got, = onnx_ref.run(onnx.load(str(MODELS / f"{name}.onnx")), [x.numpy()])
    assert close(got, want)


@pytest.mark.parametrize("name, dataset, subset_key", [("bnn_mnist", "mnist", "first1000_accuracy"),
                                                       ("cnn4b_cifar10", "cifar10", "first500_accuracy"),
                                                       ("resnet20_cifar10_hwa", "cifar10", "first500_accuracy"),
                                                       ("resnet20_cifar10_hwa_drift", "cifar10", "first500_accuracy")])
def test_new_recorded_accuracy(name, dataset, subset_key):
    model = new_module(name)
    recorded = json.loads((MODELS / f"{name}.json").read_text())
    if dataset == "mnist":
        subset, full = ROOT / "data" / "mnist-test-1k", SHARED / "mnist"
        assert accuracy(model, *load_mnist(subset)) == recorded[subset_key]
        if (full / "t10k-images-idx3-ubyte.gz").exists():
            assert accuracy(model, *load_mnist(full)) == recorded["full_test_accuracy"]
    else:
        assert accuracy(model, *load_cifar10(ROOT / "data" / "cifar10-test-500" / "test_batch.bin")) == recorded[subset_key]
        if (SHARED / "cifar10" / "test_batch.bin").exists() and full_tests():
            assert accuracy(model, *load_cifar10(SHARED / "cifar10" / "test_batch.bin")) == recorded["full_test_accuracy"]
    if name == "bnn_mnist":
        assert recorded["full_test_accuracy"] >= 0.94


def test_ptb_excerpt_and_vocabulary():
    text = (PTB_EXCERPT / "ptb.test.txt").read_bytes()
    assert text.count(b"\n") == 200
    vocab = (PTB_EXCERPT / "vocab.txt").read_text(encoding="latin-1").split("\n")[:-1]
    assert len(vocab) == 50 and vocab[-1] == "<eos>" and "_" in vocab
    if (SHARED / "ptb" / "ptb.test.txt").exists():
        assert (SHARED / "ptb" / "ptb.test.txt").read_bytes().startswith(text)
        train = read_text(SHARED / "ptb" / "ptb.train.txt.gz")
        assert vocab == vocabulary(train)
        assert len(encode(read_text(SHARED / "ptb" / "ptb.test.txt"), vocab)) == 442423  # docs/user-guide-data.md
        words = (PTB_EXCERPT / "vocab-word.txt").read_text(encoding="latin-1").split("\n")[:-1]
        assert words == vocabulary(train, "word") and len(words) == 10000


def test_lstm_onnx_matches_state_dict_and_recorded_bpc():
    path = MODELS / "lstm_ptb.onnx"
    model = new_module("lstm_ptb")
    graph = onnx.load(str(path))
    onnx.checker.check_model(graph, full_check=True)
    assert path.stat().st_size < 10 * 1024 * 1024
    (inp,), (out,) = graph.graph.input, graph.graph.output
    assert inp.type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim] == [100, "batch"]
    assert [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim] == [100, "batch", 50]
    vocab = (PTB_EXCERPT / "vocab.txt").read_text(encoding="latin-1").split("\n")[:-1]
    ids = encode(read_text(PTB_EXCERPT / "ptb.test.txt"), vocab)
    x, _ = windows(ids, 100)
    x = x[:3].t().contiguous()  # [seq, batch]
    with torch.no_grad():
        want = model(x).numpy()
    got, = onnx_ref.run(graph, [x.numpy()])
    assert close(got, want)
    recorded = json.loads((MODELS / "lstm_ptb.json").read_text())
    if (SHARED / "ptb" / "ptb.test.txt").exists():
        import math
        nats, n = evaluate(model, encode(read_text(SHARED / "ptb" / "ptb.test.txt"), vocab), 100)
        assert n == recorded["test_predictions_seq100"] == (442423 - 1) // 100 * 100
        assert abs(nats / math.log(2) - recorded["test_bpc_seq100"]) < 1e-6
