"""aimc's MNIST accuracy with models/mnist_lenet.onnx against torch's on the same weights.

Run (from the repository root):

    AIMC_BIN=build/apps/aimc /usr/bin/python3 -m pytest tests/python/test_mnist_accuracy.py

torch: models/mnist_lenet/model.py's LeNet with models/mnist_lenet.pt (the weights the .onnx was exported
from). aimc: `$AIMC_BIN infer --model models/mnist_lenet.onnx --data mnist:DIR --json OUT.json`, whose JSON
holds {"accuracy": fraction, "images": int, "images_per_s": float}. The accuracies must differ by at most
0.0002, on the committed subset data/mnist-test-1k and on the full test set ../shared/data/mnist (skipped
when absent). The module is skipped when AIMC_BIN is unset or not executable.
"""

import json
import sys

import pytest
import torch

from helpers import ROOT, aimc_bin, run_aimc

sys.path.insert(0, str(ROOT))
from models.mnist_lenet.model import LeNet, accuracy, load_mnist  # noqa: E402

pytestmark = pytest.mark.skipif(aimc_bin() is None, reason="AIMC_BIN is unset or not executable")
DATASETS = {"subset_1k": ROOT / "data" / "mnist-test-1k", "full_10k": ROOT.parent / "shared" / "data" / "mnist"}


@pytest.mark.parametrize("which", list(DATASETS))
def test_accuracy_matches_torch(which, tmp_path):
    data = DATASETS[which]
    if not (data / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"{data} not found")
    torch.set_num_threads(2)
    model = LeNet()
    model.load_state_dict(torch.load(ROOT / "models" / "mnist_lenet.pt", map_location="cpu"))
    images, labels = load_mnist(data)
    want = accuracy(model, images, labels)

    out = tmp_path / "infer.json"
    proc = run_aimc("infer", "--model", ROOT / "models" / "mnist_lenet.onnx", "--data", f"mnist:{data}",
                    "--json", out, timeout=600)
    assert proc.returncode == 0, f"aimc infer exited {proc.returncode}: {proc.stderr.strip()}"
    got = json.loads(out.read_text())
    assert got["images"] == len(labels)
    assert 0.0 <= got["accuracy"] <= 1.0 and got["images_per_s"] > 0
    assert abs(got["accuracy"] - want) <= 0.0002, f"aimc {got['accuracy']:.4f}, torch {want:.4f}"
