"""aimc against torch on the issue-8 reference models: accuracy through `aimc infer` for the image models,
logits through `aimc forward` for the PTB language model.

Run (from the repository root):

    AIMC_BIN=build/aimc /usr/bin/python3 -m pytest tests/python/test_reference_accuracy.py

Image models (torch module + .pt state, .onnx exported from it):
  bnn_mnist             models/bnn_mnist/model.py BnnDeploy            mnist:data/mnist-test-1k (and ../shared full)
  cnn4b_cifar10         models/cnn4b_cifar10/model.py Cnn4b            cifar10:data/cifar10-test-500 (and full)
  resnet20_cifar10_hwa  models/resnet_cifar/hwa.py folded_resnet(20)   cifar10:data/cifar10-test-500 (and full)
`$AIMC_BIN infer --model M.onnx --data SPEC --json OUT` must report the torch accuracy within 0.0005
(0.05 percentage points) and the same number of images.
Language model: `$AIMC_BIN infer --data tokens:...,level=char,seq=100` must report torch's bits per character
within 1e-4 (relative) on the committed PTB excerpt and on the full PTB test text (same windows, each from a zero
state), and `$AIMC_BIN forward` on 3 windows (int64 ids [100, 3], sequence-first) must give torch's logits (rtol 1e-4).
Skipped when AIMC_BIN is unset; a model whose files are not made yet is skipped.
"""

import json
import sys

import numpy as np
import pytest
import torch

from helpers import ROOT, aimc_bin, close, full_tests, run_aimc

sys.path.insert(0, str(ROOT))
from models.bnn_mnist.model import BnnDeploy  # noqa: E402
from models.cnn4b_cifar10.model import Cnn4b  # noqa: E402
from models.gpt_ptb.model import CharGPT  # noqa: E402
from models.gpt_ptb.model import evaluate as gpt_evaluate  # noqa: E402
from models.lstm_ptb.model import CharLSTM, encode, evaluate, read_text, windows  # noqa: E402
from models.mnist_lenet.model import accuracy, load_mnist  # noqa: E402
from models.resnet_cifar.hwa import folded_resnet  # noqa: E402
from models.resnet_cifar.model import load_cifar10  # noqa: E402

pytestmark = pytest.mark.skipif(aimc_bin() is None, reason="AIMC_BIN is unset or not executable")
MODELS = ROOT / "models"
SHARED = ROOT.parent / "shared" / "data"
FACTORY = {"bnn_mnist": BnnDeploy, "cnn4b_cifar10": Cnn4b, "resnet20_cifar10_hwa": lambda: folded_resnet(20),
           "resnet20_cifar10_hwa_drift": lambda: folded_resnet(20), "gpt_ptb": CharGPT}
# The character language models: window length, whether ids are sequence-first, torch's evaluation.
LANGUAGE_MODELS = {"lstm_ptb": (100, True, evaluate), "gpt_ptb": (128, False, gpt_evaluate)}
DATA = {
    "mnist_1k": ("mnist", ROOT / "data" / "mnist-test-1k"),
    "mnist_full": ("mnist", SHARED / "mnist"),
    "cifar_500": ("cifar10", ROOT / "data" / "cifar10-test-500"),
    "cifar_full": ("cifar10", SHARED / "cifar10"),
}
CASES = [("bnn_mnist", "mnist_1k"), ("bnn_mnist", "mnist_full"), ("cnn4b_cifar10", "cifar_500"),
         ("cnn4b_cifar10", "cifar_full"), ("resnet20_cifar10_hwa", "cifar_500"), ("resnet20_cifar10_hwa", "cifar_full"),
         ("resnet20_cifar10_hwa_drift", "cifar_500"), ("resnet20_cifar10_hwa_drift", "cifar_full")]


def lstm_from_json():
    rec = json.loads((MODELS / "lstm_ptb.json").read_text())
    return CharLSTM(rec["vocab"], rec["embed"], rec["hidden"])


def torch_module(name):
    pt = MODELS / f"{name}.pt"
    if not all((MODELS / f"{name}{ext}").exists() for ext in (".pt", ".onnx", ".json")):
        pytest.skip(f"{name}: .pt/.onnx not made yet")
    model = FACTORY[name]() if name in FACTORY else lstm_from_json()
    model.load_state_dict(torch.load(pt, map_location="cpu"))
    return model.eval()


@pytest.mark.parametrize("name, which", CASES)
def test_accuracy_matches_torch(name, which, tmp_path):
    kind, folder = DATA[which]
    if not folder.exists():
        pytest.skip(f"{folder} not found")
    if which == "cifar_full" and not full_tests():
        pytest.skip("full CIFAR-10 evaluation: set AIMC_FULL_TESTS=1")
    torch.set_num_threads(2)
    model = torch_module(name)
    images, labels = load_mnist(folder) if kind == "mnist" else load_cifar10(folder / "test_batch.bin")
    want = accuracy(model, images, labels)
    out = tmp_path / "infer.json"
    proc = run_aimc("infer", "--model", MODELS / f"{name}.onnx", "--data", f"{kind}:{folder}", "--json", out,
                    timeout=1800)
    assert proc.returncode == 0, f"aimc infer exited {proc.returncode}: {proc.stderr.strip()}"
    got = json.loads(out.read_text())
    assert got["images"] == len(labels)
    assert abs(got["accuracy"] - want) <= 0.0005, f"aimc {got['accuracy']:.4f}, torch {want:.4f}"


@pytest.mark.parametrize("name", list(LANGUAGE_MODELS))
def test_language_model_logits_match_torch(name, tmp_path):
    model = torch_module(name)
    seq, sequence_first, _ = LANGUAGE_MODELS[name]
    excerpt = ROOT / "data" / "ptb-test-excerpt"
    vocab = (excerpt / "vocab.txt").read_text(encoding="latin-1").split("\n")[:-1]
    x, _ = windows(encode(read_text(excerpt / "ptb.test.txt"), vocab), seq)
    ids = x[:3].t().contiguous() if sequence_first else x[:3]  # 3 windows, int64
    np.save(tmp_path / "ids.npy", ids.numpy())
    with torch.no_grad():
        want = model(ids).numpy()
    proc = run_aimc("forward", "--model", MODELS / f"{name}.onnx", "--input", tmp_path / "ids.npy",
                    "-o", tmp_path / "logits.npy")
    assert proc.returncode == 0, f"aimc forward exited {proc.returncode}: {proc.stderr.strip()}"
    got = np.load(tmp_path / "logits.npy")
    assert got.shape == want.shape == ((seq, 3, 50) if sequence_first else (3, seq, 50))
    assert close(got, want), f"max abs diff {np.abs(got - want).max():.3g}"


@pytest.mark.parametrize("name", list(LANGUAGE_MODELS))
@pytest.mark.parametrize("text", [ROOT / "data" / "ptb-test-excerpt" / "ptb.test.txt", SHARED / "ptb" / "ptb.test.txt"])
def test_language_model_bits_per_character_match_torch(name, text, tmp_path):
    if not text.exists():
        pytest.skip(f"{text} not found")
    if name == "gpt_ptb" and text.parent == SHARED / "ptb" and not full_tests():
        pytest.skip("the GPT over the full PTB test text takes minutes: AIMC_FULL_TESTS=1")
    torch.set_num_threads(2)
    model = torch_module(name)
    seq, _, torch_evaluate = LANGUAGE_MODELS[name]
    vocab_file = ROOT / "data" / "ptb-test-excerpt" / "vocab.txt"
    vocab = vocab_file.read_text(encoding="latin-1").split("\n")[:-1]
    ids = encode(read_text(text), vocab)
    with torch.no_grad():
        nats, tokens = torch_evaluate(model, ids, seq)
    out = tmp_path / "infer.json"
    proc = run_aimc("infer", "--model", MODELS / f"{name}.onnx", "--data",
                    f"tokens:{text},vocab={vocab_file},level=char,seq={seq}", "--json", out, timeout=1800)
    assert proc.returncode == 0, f"aimc infer exited {proc.returncode}: {proc.stderr.strip()}"
    got = json.loads(out.read_text())
    assert got["metric"] == "perplexity" and got["tokens"] == tokens == (len(ids) - 1) // seq * seq
    want_bpc = nats / np.log(2)
    assert abs(got["bits_per_token"] - want_bpc) <= 1e-4 * want_bpc, f"aimc {got['bits_per_token']:.6f}, torch {want_bpc:.6f}"
