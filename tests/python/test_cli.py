"""The aimc CLI's contract: --help and --version, exit codes, and one-line errors on bad input.

Run: AIMC_BIN=build/aimc /usr/bin/python3 -m pytest tests/python/test_cli.py
"""

import gzip
import os
import subprocess
import json

import numpy as np
import pytest

from helpers import ROOT, aimc_bin, one_line_error, run_aimc

pytestmark = pytest.mark.skipif(aimc_bin() is None, reason="AIMC_BIN is unset or not executable")

MODEL = ROOT / "models" / "mnist_lenet.onnx"
MNIST_1K = ROOT / "data" / "mnist-test-1k"


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


@pytest.mark.parametrize("sub", ["infer", "eval"])
def test_limit_out_of_range_names_the_integer_range(sub):
    # CLI11's PositiveNumber printed "not in range 0.000000 to 1797...(309 digits)" and called 0 inside it
    chip = ["--chip", "hermes"] if sub == "eval" else []
    for bad in ("0", "-3"):
        proc = run_aimc(sub, "--model", MODEL, *chip, "--data", f"mnist:{MNIST_1K}", "--limit", bad)
        one_line_error(proc, f"--limit: Value {bad} not in range 1 to 1099511627776")


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


def sha(path):
    import hashlib
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_outputs_aimed_at_inputs_are_refused(tmp_path):
    """Every writing command, with an output aimed at one of its inputs: exit 2, one line naming the
    file, and the input unchanged (issue: compile -o M.onnx used to replace the model with JSON)."""
    import shutil

    model = tmp_path / "m.onnx"
    shutil.copy(MODEL, model)
    x = tmp_path / "x.npy"
    np.save(x, np.zeros((1, 1, 28, 28), np.float32))
    chip = tmp_path / "c.yaml"
    chip.write_text("base: hermes\nname: mine\n")
    data = tmp_path / "d"
    shutil.copytree(MNIST_1K, data)
    idx = next(p for p in data.iterdir() if p.is_file())
    prog = tmp_path / "p.json"
    assert run_aimc("compile", "--model", model, "--chip", "hermes", "-o", prog).returncode == 0
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"chips: [{chip}]\nmodels: [{{model: {model}, data: 'mnist:{data}', limit: 4}}]\nrun: [eval]\n")
    before = {p: sha(p) for p in (model, x, chip, prog, idx, sweep)}
    cases = [
        (("compile", "--model", model, "--chip", "hermes", "-o", model), "-o"),
        (("compile", "--model", model, "--chip", chip, "--json", chip), "--json"),
        (("forward", "--model", model, "--input", x, "-o", x), "-o"),
        (("eval", "--model", model, "--chip", "hermes", "--data", f"mnist:{data}", "--limit", 4, "--json", model), "--json"),
        (("perf", "--program", prog, "--chip", "hermes", "--json", prog), "--json"),
        (("infer", "--model", model, "--data", f"mnist:{data}", "--limit", 4, "--json", model), "--json"),
        (("chip", "show", chip, "--yaml", chip), "--yaml"),
        (("chip", "characterize", chip, "--matrices", 1, "--vectors", 8, "--json", chip), "--json"),
        (("sweep", sweep, "--db", model), "--db"),
        (("sweep", sweep, "--db", chip), "--db"),
        (("sweep", sweep, "--db", sweep), "--db"),
        (("report", prog, "-o", prog), "-o"),
    ]
    for args, flag in cases:
        # --force never allows it (a sweep has no --force: its database is resumed, never replaced)
        for force in (False,) if args[0] == "sweep" else (False, True):
            one_line_error(run_aimc(*args, force=force), flag, "also an input")
    assert {p: sha(p) for p in before} == before
    # An output in the dataset's folder is fine when it is not one of its files.
    assert run_aimc("infer", "--model", model, "--data", f"mnist:{data}", "--limit", 4, "--json", data / "r.json",
                    force=False).returncode == 0


def test_existing_outputs_need_force_and_failed_runs_write_nothing(tmp_path):
    out = tmp_path / "p.json"
    args = ("compile", "--model", MODEL, "--chip", "hermes", "-o", out)
    assert run_aimc(*args, force=False).returncode == 0
    first = out.read_text()
    out.write_text("mine")
    one_line_error(run_aimc(*args, force=False), "-o", "exists", "--force")
    assert out.read_text() == "mine"
    assert run_aimc(*args, force=True).returncode == 0
    assert out.read_text() == first
    # A failing run writes nothing, and no temporary file is left behind.
    bad = tmp_path / "bad.json"
    r = run_aimc("compile", "--model", MODEL, "--chip", "hermes", "--pipeline", "quantize{nope=1}", "-o", bad, force=False)
    assert r.returncode == 2 and not bad.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json"]
    # Two outputs naming one file, or a folder as the output: refused.
    one_line_error(run_aimc("compile", "--model", MODEL, "--chip", "hermes", "-o", tmp_path / "a.json", "--json",
                            tmp_path / "a.json", force=False), "--json", "also the output of -o")
    one_line_error(run_aimc("perf", "--model", MODEL, "--chip", "hermes", "--json", tmp_path, force=True), "--json", "folder")


def test_device_files_and_fifos_are_refused_not_read_forever(tmp_path):
    """A chip, a base:, a Program, a model, an npy input or a dataset naming /dev/zero or a FIFO: exit 2
    at once with one line naming the file (these used to read forever)."""
    import os

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    base = tmp_path / "b.yaml"
    base.write_text("base: /dev/zero\nname: x\n")
    for bad in ("/dev/zero", str(fifo)):
        for args in [("chip", "show", bad), ("perf", "--program", bad, "--chip", "hermes"),
                     ("compile", "--model", bad, "--chip", "hermes"), ("graph", "--model", bad),
                     ("forward", "--model", MODEL, "--input", bad, "-o", tmp_path / "o.npy"),
                     ("infer", "--model", MODEL, "--data", f"tokens:{bad}"),
                     ("infer", "--model", MODEL, "--data", f"cifar10:{bad}"),
                     ("infer", "--model", MODEL, "--data", f"npy:{bad}")]:
            r = run_aimc(*args, timeout=20)
            one_line_error(r, bad, "not a regular file")
    one_line_error(run_aimc("chip", "show", base, timeout=20), "/dev/zero", "not a regular file")


def test_option_bounds(tmp_path):
    for args in [("perf", "--peak", "--chip", "hermes", "--images", 0),
                 ("perf", "--peak", "--chip", "hermes", "--images", 2 ** 40),
                 ("perf", "--peak", "--chip", "hermes", "--chunks", 10 ** 6),
                 ("perf", "--peak", "--chip", "hermes", "--images", 2 ** 24, "--chunks", 2),
                 ("perf", "--peak", "--chip", "hermes", "--host-gops", "nan"),  # passed CLI11's range, ran as 0
                 ("perf", "--peak", "--chip", "hermes", "--peak-bits", 9),  # more than the encoder's 8: ran as 8
                 ("perf", "--peak", "--chip", "hermes", "--peak-bits", -1),
                 ("eval", "--model", MODEL, "--chip", "hermes", "--data", f"mnist:{MNIST_1K}", "--repeats", 10 ** 9)]:
        r = run_aimc(*args, timeout=20)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)


def test_labels_the_model_cannot_output_and_nan_inputs_are_errors(tmp_path):
    """Silent wrong answers become errors: a label outside the model's classes (was 0 % accuracy, exit 0)
    and a NaN input (was scored as class 0), each naming the sample."""
    x = np.random.default_rng(0).random((4, 1, 28, 28), dtype=np.float32)
    y = np.array([1, 2, 10, 3], np.int64)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    spec = f"npy:{tmp_path / 'x.npy'},{tmp_path / 'y.npy'}"
    for cmd in (("infer",), ("eval", "--chip", "hermes")):
        one_line_error(run_aimc(*cmd, "--model", MODEL, "--data", spec), "sample 2 has label 10", "10 classes")
    y[2] = 0
    x[3, 0, 5, 5] = np.nan
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "x.npy", x)
    one_line_error(run_aimc("infer", "--model", MODEL, "--data", spec), "sample 3", "non-finite")


def test_progress_lines_on_a_log_and_quiet(tmp_path):
    """Not a terminal: one line per interval (AIMC_PROGRESS_EVERY seconds; 10 by default); --quiet: none."""
    mnist = f"mnist:{ROOT / 'data' / 'mnist-test-1k'}"
    args = [aimc_bin(), "eval", "--model", str(ROOT / "models" / "mnist_lenet.onnx"), "--chip", "hermes", "--data", mnist,
            "--limit", 64, "--batch", 16, "--drift-times", "1s,1d"]
    env = {**os.environ, "AIMC_PROGRESS_EVERY": "0"}
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.startswith("aimc: eval: ")]
    assert len(lines) == 4 * 3 and "(repeat 1/1 t=1d)" in lines[-1] and "100%" in lines[-1], r.stderr
    assert any(line.startswith("aimc: compile: ") and "pass " in line for line in r.stderr.splitlines())
    q = subprocess.run([str(a) for a in args + ["--quiet"]], capture_output=True, text=True, env=env, timeout=300)
    assert q.returncode == 0 and "aimc: eval" not in q.stderr and "aimc: compile" not in q.stderr, q.stderr
    assert q.stdout == r.stdout.replace(r.stdout.splitlines()[-1], q.stdout.splitlines()[-1])  # speeds differ only
    # perf: the event simulation's items (it showed none until 2026-12-08)
    perf = [aimc_bin(), "perf", "--model", str(ROOT / "models" / "mnist_lenet.onnx"), "--chip", "hermes", "--images", 50,
            "--chunks", 1]
    r = subprocess.run([str(a) for a in perf], capture_output=True, text=True, env=env, timeout=300)
    lines = [line for line in r.stderr.splitlines() if line.startswith("aimc: perf: ")]
    assert r.returncode == 0 and len(lines) == 50 and lines[-1] == "aimc: perf: 100% (items simulated)", r.stderr
    q = subprocess.run([str(a) for a in perf + ["--quiet"]], capture_output=True, text=True, env=env, timeout=300)
    assert q.returncode == 0 and "aimc: perf" not in q.stderr, q.stderr
