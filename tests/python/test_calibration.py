"""Calibration on real data, and precision checks (issue 12): a model that expects normalised inputs keeps its
accuracy on an ideal-device chip when calibrated on its data; synthetic calibration warns; fp32 weights on a
binary chip and calibration flags with a compiled Program are one-line errors."""

import sys

import numpy as np
import pytest

from helpers import ROOT, aimc_bin, one_line_error, run_aimc

pytestmark = pytest.mark.skipif(aimc_bin() is None, reason="AIMC_BIN is not set")

MNIST = f"mnist:{ROOT}/data/mnist-test-1k"
LENET = ROOT / "models" / "mnist_lenet.onnx"

# hermes with exact cells and no output noise: what remains is the converters (8-bit DAC and ADC)
IDEAL_CHIP = """base: hermes
name: hermes-ideal
cores:
  device: {technology: ideal}
  drift_compensation: {scheme: none}
  read_modes:
    one-phase: {out_noise_rel_std: 0}
"""


@pytest.fixture(scope="module")
def normalised_model(tmp_path_factory):
    """The bundled ResNet-20 with its normalisation (Sub, Div) cut off, so it expects torchvision-normalised
    images, and the 500 committed CIFAR-10 test images normalised with the same mean/std, as .npy."""
    onnx = pytest.importorskip("onnx")
    sys.path.insert(0, str(ROOT))
    from models.resnet_cifar.model import MEAN, STD, load_cifar10
    m = onnx.load(str(ROOT / "models" / "resnet20_cifar10.onnx"))
    div = next(n for n in m.graph.node if n.op_type == "Div")
    for n in m.graph.node:
        n.input[:] = ["input" if i == div.output[0] else i for i in n.input]
    normalisation = {n.output[0] for n in m.graph.node if n.op_type in ("Sub", "Div")}
    keep = [n for n in m.graph.node if n.output[0] not in normalisation]
    keep = [n for n in keep if n.op_type != "Constant" or any(n.output[0] in k.input for k in keep)]
    del m.graph.node[:]
    m.graph.node.extend(keep)
    d = tmp_path_factory.mktemp("normalised")
    onnx_path = d / "resnet20_normalised_inputs.onnx"
    onnx.save(m, str(onnx_path))
    x, y = load_cifar10(ROOT / "data" / "cifar10-test-500" / "test_batch.bin", limit=500)
    x = (x.numpy() - np.array(MEAN, np.float32).reshape(1, 3, 1, 1)) / np.array(STD, np.float32).reshape(1, 3, 1, 1)
    np.save(d / "x.npy", x.astype(np.float32))
    np.save(d / "y.npy", y.numpy().astype(np.int64))
    chip = d / "ideal.yaml"
    chip.write_text(IDEAL_CHIP)
    return onnx_path, f"npy:{d / 'x.npy'},{d / 'y.npy'}", chip


def accuracies(r):
    import re
    digital = float(re.search(r"digital\s+accuracy\s+([\d.]+)%", r.stdout).group(1))
    chip = float(re.search(r"chip t=1s\s+([\d.]+)%", r.stdout).group(1))
    return digital, chip


def test_normalised_model_keeps_its_accuracy_when_calibrated_on_its_data(normalised_model):
    model, data, chip = normalised_model
    r = run_aimc("eval", "--model", model, "--chip", chip, "--data", data, "--drift-times", "1s", "--threads", 2,
                 timeout=600)
    assert r.returncode == 0, r.stderr
    assert "warning" not in r.stderr
    digital, chip_acc = accuracies(r)
    assert digital > 85
    assert abs(chip_acc - digital) <= 1.0, r.stdout
    assert "first 64 samples" in r.stdout


def test_synthetic_calibration_of_a_normalised_model_warns(normalised_model):
    model, data, chip = normalised_model
    r = run_aimc("eval", "--model", model, "--chip", chip, "--data", data, "--drift-times", "1s", "--threads", 2,
                 "--calibration-samples", 0, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "synthetic inputs uniform in [0, 1)" in r.stderr
    # The library's option names reach the CLI's user as its flags.
    assert "give real samples (--calibration-data;" in r.stderr and "`" not in r.stderr
    digital, chip_acc = accuracies(r)
    assert chip_acc < digital - 5, "the synthetic range clips normalised inputs"


def test_compile_takes_calibration_data_and_reports_it(tmp_path, normalised_model):
    model, data, chip = normalised_model
    prog = tmp_path / "p.json"
    r = run_aimc("compile", "--model", model, "--chip", chip, "--calibration-data", data, "--calibration-samples", 16,
                 "-o", prog, "--report")
    assert r.returncode == 0, r.stderr
    assert "calibrated  on npy:" in r.stdout and "first 16 samples" in r.stdout
    assert "input range" in r.stdout


def test_fp32_network_on_a_binary_chip_is_a_one_line_error():
    r = run_aimc("eval", "--model", LENET, "--chip", "zhang-bnn-sram", "--data", MNIST, "--limit", 64,
                 "--drift-times", "1s")
    line = one_line_error(r)
    assert "1 bit (binary)" in line and "--allow-quantize" in line and "mnist_lenet.onnx" in line
    r = run_aimc("eval", "--model", LENET, "--chip", "zhang-bnn-sram", "--data", MNIST, "--limit", 64,
                 "--drift-times", "1s", "--allow-quantize")
    assert r.returncode == 0, r.stderr


def test_calibration_flags_with_a_program_are_an_error(tmp_path):
    prog = tmp_path / "p.json"
    assert run_aimc("compile", "--model", LENET, "--chip", "hermes", "-o", prog).returncode == 0
    for flags in (["--calibration-samples", 8], ["--calibration-data", MNIST]):
        line = one_line_error(run_aimc("eval", "--program", prog, "--chip", "hermes", "--data", MNIST, "--limit", 8,
                                       *flags))
        assert flags[0] in line and "compiled Program" in line


def test_a_bad_calibration_spec_names_its_flag():
    line = one_line_error(run_aimc("eval", "--model", LENET, "--chip", "hermes", "--data", MNIST,
                                   "--calibration-data", "/nope"))
    assert line.startswith("aimc: error: --calibration-data: '/nope' is not KIND:PATH")
