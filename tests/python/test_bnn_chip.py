"""models/bnn_mnist.onnx on zhang-bnn-sram (issue 6): the comparators binarise the hidden layers with the
Gemm biases as per-column thresholds, the classifier's scores come out of the multi-level read-out
(cores.adc.readout_bits), and the chip's accuracy is the digital accuracy within 0.5 point."""

import json

import pytest

from helpers import ROOT, aimc_bin, run_aimc

pytestmark = pytest.mark.skipif(aimc_bin() is None, reason="AIMC_BIN is not set")

BNN = ROOT / "models" / "bnn_mnist.onnx"
DATASETS = {"subset_1k": ROOT / "data" / "mnist-test-1k", "full_10k": ROOT.parent / "shared" / "data" / "mnist"}


@pytest.mark.parametrize("which", list(DATASETS))
def test_bnn_on_zhang_is_within_half_a_point_of_digital(which, tmp_path):
    data = DATASETS[which]
    if not (data / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"{data} not found")
    out = tmp_path / "eval.json"
    r = run_aimc("eval", "--model", BNN, "--chip", "zhang-bnn-sram", "--data", f"mnist:{data}", "--threads", 2,
                 "--json", out, timeout=900)
    assert r.returncode == 0, r.stderr
    j = json.loads(out.read_text())
    digital = j["digital"]["accuracy"]
    chip = j["chip"][0]["accuracy_mean"]
    assert digital > 0.95
    assert abs(chip - digital) <= 0.005, (chip, digital)


def test_bnn_program_binarises_hidden_layers_and_reads_out_the_classifier(tmp_path):
    prog = tmp_path / "bnn.json"
    r = run_aimc("compile", "--model", BNN, "--chip", "zhang-bnn-sram", "-o", prog)
    assert r.returncode == 0, r.stderr
    p = json.loads(prog.read_text())
    quant = [layer["quant"] for layer in p["layers"]]
    assert [q["adc_bits"] for q in quant] == [1, 1, 9]
    # 5-bit pixels, then 1-bit word lines for the +-1 activations, fed offset binary (x + 1).
    assert [q["input_bits"] for q in quant] == [5, 1, 1]
    assert [q["input_offset"] for q in quant] == [0, 1, 1]
    assert [q["input_step"] for q in quant] == [pytest.approx(1 / 32), 2, 2]
    by_adc = [(d["node"], d["op"]) for d in p["digital_ops"] if d["unit"] == "adc"]
    assert len([op for _, op in by_adc if op == "bias"]) == 2
    assert len([op for _, op in by_adc if op == "Sign"]) == 2
    assert p["warnings"] == [] or not any("unsigned" in w for w in p["warnings"])


def test_classifier_read_out_costs_one_array_evaluation_per_step(tmp_path):
    def evaluations(chip_yaml):
        out = tmp_path / "perf.json"
        r = run_aimc("perf", "--model", BNN, "--chip", chip_yaml, "--images", 4, "--json", out)
        assert r.returncode == 0, r.stderr
        j = json.loads(out.read_text())
        return j["total_actions"]["array_evaluations"]

    nine = tmp_path / "nine.yaml"
    nine.write_text("base: zhang-bnn-sram\nname: zhang-readout-9\n")
    five = tmp_path / "five.yaml"
    five.write_text("base: zhang-bnn-sram\nname: zhang-readout-5\ncores:\n  adc:\n    readout_bits: 5\n")
    # Per image: two binarised layers of one evaluation each, and the classifier's b steps.
    assert evaluations(nine) == pytest.approx(4 * (2 + 9))
    assert evaluations(five) == pytest.approx(4 * (2 + 5))


def test_a_comparator_chip_without_read_out_rejects_the_classifier(tmp_path):
    chip = tmp_path / "none.yaml"
    chip.write_text("base: zhang-bnn-sram\nname: zhang-no-readout\ncores:\n  adc:\n    readout_bits: 0\n")
    r = run_aimc("compile", "--model", BNN, "--chip", chip)
    assert r.returncode == 2
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "readout_bits" in lines[0], r.stderr
