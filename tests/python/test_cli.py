"""The aimc CLI's contract: --help and --version, exit codes, and one-line errors on bad input.

Run: AIMC_BIN=build/aimc /usr/bin/python3 -m pytest tests/python/test_cli.py
"""

import gzip
import json

import numpy as np
import pytest

from helpers import ROOT, aimc_bin, run_aimc

pytestmark = pytest.mark.skipif(aimc_bin() is None, reason="AIMC_BIN is unset or not executable")

MODEL = ROOT / "models" / "mnist_lenet.onnx"
MNIST_1K = ROOT / "data" / "mnist-test-1k"


def one_line_error(proc, *fragments):
    assert proc.returncode == 2, f"exit {proc.returncode}: {proc.stderr!r}"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one stderr line: {proc.stderr!r}"
    for f in fragments:
        assert f in lines[0], f"{lines[0]!r} lacks {f!r}"


def test_version():
    proc = run_aimc("--version")
    assert proc.returncode == 0
    assert proc.stdout.startswith("aimc ")


@pytest.mark.parametrize("sub", ["infer", "forward", "graph"])
def test_help_on_every_subcommand(sub):
    proc = run_aimc(sub, "--help")
    assert proc.returncode == 0
    assert "--model" in proc.stdout


def test_usage_errors_exit_2():
    assert run_aimc().returncode == 2
    assert run_aimc("nonsense").returncode == 2
    assert run_aimc("infer", "--model", MODEL).returncode == 2  # --data missing
    assert run_aimc("infer", "--model", MODEL, "--data", f"mnist:{MNIST_1K}", "--batch", "0").returncode == 2


def test_infer_bundled_model_json(tmp_path):
    out = tmp_path / "r.json"
    proc = run_aimc("infer", "--model", MODEL, "--data", f"mnist:{MNIST_1K}", "--limit", "200", "--json", out)
    assert proc.returncode == 0, proc.stderr
    r = json.loads(out.read_text())
    assert r["images"] == 200
    assert 0.9 < r["accuracy"] <= 1.0
    assert r["images_per_s"] > 0
    assert "accuracy" in proc.stdout


def test_missing_data_dir():
    proc = run_aimc("infer", "--model", MODEL, "--data", "mnist:/nonexistent/mnist")
    one_line_error(proc, "/nonexistent/mnist")


def test_malformed_data_spec():
    one_line_error(run_aimc("infer", "--model", MODEL, "--data", "imagenet:/x"), "--data")


def test_truncated_idx_file(tmp_path):
    raw = gzip.decompress((MNIST_1K / "t10k-images-idx3-ubyte.gz").read_bytes())
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(raw[: len(raw) // 2])
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes((MNIST_1K / "t10k-labels-idx1-ubyte.gz").read_bytes())
    one_line_error(run_aimc("infer", "--model", MODEL, "--data", f"mnist:{tmp_path}"), "t10k-images-idx3-ubyte",
                   "truncated")


def test_dataset_shape_must_match_model(tmp_path):
    x = tmp_path / "x.npy"
    y = tmp_path / "y.npy"
    np.save(x, np.zeros((4, 3, 32, 32), np.float32))
    np.save(y, np.zeros(4, np.int64))
    one_line_error(run_aimc("infer", "--model", MODEL, "--data", f"npy:{x},{y}"), "do not match the model input")


def test_npy_with_wrong_dtype(tmp_path):
    x = tmp_path / "x.npy"
    np.save(x, np.zeros((2, 1, 28, 28), np.complex64))
    one_line_error(run_aimc("forward", "--model", MODEL, "--input", x, "-o", tmp_path / "o.npy"), str(x))


def test_forward_input_count_mismatch(tmp_path):
    x = tmp_path / "x.npy"
    np.save(x, np.zeros((2, 1, 28, 28), np.float32))
    one_line_error(run_aimc("forward", "--model", MODEL, "--input", x, "--input", x, "-o", tmp_path / "o.npy"),
                   "--input")


def test_forward_input_shape_mismatch(tmp_path):
    x = tmp_path / "x.npy"
    np.save(x, np.zeros((2, 1, 27, 28), np.float32))
    one_line_error(run_aimc("forward", "--model", MODEL, "--input", x, "-o", tmp_path / "o.npy"), "input")


def test_graph_prints_canonical_ops():
    proc = run_aimc("graph", "--model", MODEL)
    assert proc.returncode == 0, proc.stderr
    assert "Conv(" in proc.stdout and "Gemm(" in proc.stdout
